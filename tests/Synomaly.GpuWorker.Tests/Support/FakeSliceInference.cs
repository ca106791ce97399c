using Synomaly.Contracts;
using Synomaly.GpuWorker.Inference;
using Synomaly.Imaging.Presets;

namespace Synomaly.GpuWorker.Tests.Support;

/// <summary>
/// A model stand-in: the anomaly map of a slice is its input times two and the score is the input's first pixel, so a
/// test can tell whose slice an output came from. Records every call; can hold calls at a gate to simulate a long batch,
/// which its token ends as the engine's stage checks do (with OperationCanceledException).
/// </summary>
internal sealed class FakeSliceInference(int height = 4, int width = 4) : ISliceInference
{
    private readonly Lock gate = new();
    private readonly List<IReadOnlyList<float[]>> calls = [];
    private readonly List<string> profiles = [];

    public string ModelName => "test-model";

    public string ModelVersion => "1.0.0";

    public (int Height, int Width) SliceSize => (height, width);

    public ModalityHint TrainedFor => ModalityHint.Auto;

    public SliceOrientation Orientation => SliceOrientation.Display;

    /// <summary>The profile the alias "default" resolves to, as a card's default_profile would; null: the alias itself.</summary>
    public string? CardDefaultProfile { get; set; }

    /// <summary>Every profile is known to the fake.</summary>
    public string ResolveProfile(string inferenceProfile) =>
        inferenceProfile == InferenceProfileNames.Default && CardDefaultProfile is { } name ? name : inferenceProfile;

    /// <summary>The profile name of every call, in order.</summary>
    public IReadOnlyList<string> Profiles
    {
        get
        {
            lock (gate)
            {
                return [.. profiles];
            }
        }
    }

    /// <summary>Noise draws per profile name (1 for any other), as a model card's profiles would say.</summary>
    public Dictionary<string, int> DrawsByProfile { get; } = [];

    public int ImagesPerSlice(string inferenceProfile) => DrawsByProfile.GetValueOrDefault(inferenceProfile, 1);

    /// <summary>When set, every call waits for this before returning.</summary>
    public TaskCompletionSource? Hold { get; set; }

    /// <summary>Completed when a call has started (tests wait on it to act mid-batch).</summary>
    public TaskCompletionSource Started { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Exception? FailWith { get; set; }

    /// <summary>When set, a call of more slices than this fails as TorchSharp reports a CUDA out-of-memory error.</summary>
    public int? OutOfMemoryAbove { get; set; }

    /// <summary>When set, a call holding a slice this matches fails as out of memory (even a call of that slice alone).</summary>
    public Func<float[], bool>? OutOfMemoryWith { get; set; }

    /// <summary>
    /// When set, a call holding a slice for which this gives an error fails with it (also a call of that slice alone), after
    /// the out-of-memory checks: a job whose slices make the network answer NaN, say.
    /// </summary>
    public Func<float[], Exception?>? FailWhen { get; set; }

    public IReadOnlyList<IReadOnlyList<float[]>> Calls
    {
        get
        {
            lock (gate)
            {
                return [.. calls];
            }
        }
    }

    /// <summary>Forgets the calls so far (the warm-up), so tests see only their own.</summary>
    public void Reset()
    {
        lock (gate)
        {
            calls.Clear();
            profiles.Clear();
            Started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>Completed with the call's slices when a call ends by its token (tests wait on it to see the call stop).</summary>
    public TaskCompletionSource<IReadOnlyList<float[]>> Cancelled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public IReadOnlyList<SliceOutput> Run(IReadOnlyList<float[]> slices, string inferenceProfile, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            calls.Add(slices);
            profiles.Add(inferenceProfile);
        }

        Started.TrySetResult();
        try
        {
            // As the engine does: checked before its first stage, and a long call ends at its next stage once cancelled.
            cancellationToken.ThrowIfCancellationRequested();
            Hold?.Task.Wait(TimeSpan.FromSeconds(30), cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Cancelled.TrySetResult(slices);
            throw;
        }

        if (FailWith is { } error)
        {
            throw error;
        }

        if (slices.Count > OutOfMemoryAbove || (OutOfMemoryWith is { } tooLarge && slices.Any(tooLarge)))
        {
            throw TorchSharpErrors.OutOfMemory();
        }

        if (FailWhen is { } poisoned && slices.Select(poisoned).FirstOrDefault(e => e is not null) is { } poison)
        {
            throw poison;
        }

        return [.. slices.Select(s => new SliceOutput(
            Counterfactual: [.. s.Select(_ => 0f)],
            AnomalyMap: [.. s.Select(v => v * 2)],
            Mask: [.. s.Select(v => v > 0.5f)],
            Score: s[0],
            Stages: 1))];
    }
}

internal sealed class FakeModelLoader(ISliceInference model) : IModelLoader
{
    public int Loads { get; private set; }

    public Task<ISliceInference> LoadAsync(CancellationToken cancellationToken = default)
    {
        Loads++;
        return Task.FromResult(model);
    }
}
