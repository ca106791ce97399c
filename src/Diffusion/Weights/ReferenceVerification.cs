using System.Buffers.Binary;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Schedules;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Weights;

/// <summary>
/// One check against the reference: the largest absolute difference of its tensors, whether it passed, and what else was
/// compared (for an adaptive run: stage counts and how many map pixels differ), if anything.
/// </summary>
public sealed record ReferenceComparison(string Name, double MaxAbsError, bool Passed, string? Detail = null);

/// <summary>
/// Proves that this build reproduces the authors' model: for a folder laid out like <c>shared/fixtures/reference-unet</c>
/// (files <c>{prefix}unet_checkpoint.pt</c>, <c>{prefix}meta.json</c>, <c>{prefix}input_x.f32</c>, <c>{prefix}output_eps.f32</c>,
/// <c>{prefix}stage_{x0,noise,xt,x0pred}.f32</c>; raw float32 little-endian), imports the checkpoint, builds the UNet from its
/// args and compares the forward pass, q_sample and the one-stage reconstruction with the reference tensors. Where the folder
/// also holds the reference's adaptive runs (<c>{prefix}adaptive_meta.json</c>), each run is replayed through the batched
/// detector on the same device (<see cref="AdaptiveReferenceReplay"/>), so the check covers the whole inference, maps and
/// stop rule included, and not only the network.
/// </summary>
public static class ReferenceVerification
{
    public const double DefaultTolerance = 1e-4;
    private const string CheckpointSuffix = "unet_checkpoint.pt";

    /// <summary>The reference's one-stage reconstruction is run at t = 250 unless the meta file says otherwise ("stage_t").</summary>
    public const int DefaultStageTimestep = 250;

    /// <summary>The common file prefix of the folder ("tiny_" for the shipped fixtures); it must be unique.</summary>
    public static string FindPrefix(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
        {
            // Path-free, as the folder's other refusals: a command line prints a file-system error's own text only for
            // this type (its .NET message would quote the path), so a bare DirectoryNotFoundException read "a folder was not found".
            throw new MissingModelFileException("The reference folder does not exist.", directory);
        }

        var prefixes = Directory.EnumerateFiles(directory, "*" + CheckpointSuffix)
            .Select(path => Path.GetFileName(path)[..^CheckpointSuffix.Length])
            .Order(StringComparer.Ordinal)
            .ToList();
        return prefixes.Count switch
        {
            1 => prefixes[0],
            0 => throw new MissingModelFileException($"No *{CheckpointSuffix} in the reference folder."),
            _ => throw new InvalidOperationException($"Several checkpoints in the reference folder (prefixes {string.Join(", ", prefixes.Select(p => $"'{p}'"))}); choose one."),
        };
    }

    /// <summary>Runs every check of the folder; throws <see cref="OperationCanceledException"/> before the next check once <paramref name="cancellationToken"/> is cancelled.</summary>
    public static IReadOnlyList<ReferenceComparison> Run(string directory, string? prefix, Device device, double tolerance = DefaultTolerance, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(device);
        cancellationToken.ThrowIfCancellationRequested();
        prefix ??= FindPrefix(directory);
        string File(string name) => Path.Combine(directory, prefix + name);

        // Decided before any work: adaptive tensors without their meta file are a folder that cannot be verified whole.
        bool hasAdaptiveRuns = AdaptiveReferenceReplay.HasRuns(directory, prefix);

        using var scope = NewDisposeScope();
        using var checkpoint = TorchCheckpointReader.Read(File(CheckpointSuffix));
        using var model = CheckpointImporter.BuildModel(checkpoint);
        model.to(device);
        var (schedule, timesteps) = CheckpointImporter.Diffusion(checkpoint);
        using var diffusion = new GaussianDiffusion(schedule, timesteps);

        var config = model.Config;
        var (shape, forwardSteps, stageStep) = ReferenceMetaFile.Read(File("meta.json"), root => (
            root.TryGetProperty("input_shape", out var s) ? s.EnumerateArray().Select(d => d.GetInt64()).ToArray() : [-1, config.InChannels, config.ImageSize, config.ImageSize],
            root.GetProperty("timesteps").EnumerateArray().Select(d => d.GetInt64()).ToArray(),
            root.TryGetProperty("stage_t", out var st) ? st.GetInt64() : DefaultStageTimestep));

        Tensor Read(string name) => ReadFloat32(File(name), shape).to(device);
        var results = new List<ReferenceComparison>();
        void Compare(string name, Tensor actual, Tensor expected)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!actual.shape.SequenceEqual(expected.shape))
            {
                throw new InvalidOperationException($"{name}: the port gives shape [{string.Join(", ", actual.shape)}], the reference [{string.Join(", ", expected.shape)}].");
            }

            double error = (actual - expected).abs().max().to_type(ScalarType.Float64).item<double>();
            results.Add(new ReferenceComparison(name, error, error <= tolerance));
        }

        using var inference = inference_mode();
        var x = Read("input_x.f32");
        Compare($"unet eps (t = {string.Join(", ", forwardSteps)})", model.call(x, tensor(forwardSteps, device: device)), Read("output_eps.f32"));

        var x0 = Read("stage_x0.f32");
        var t = full(x0.shape[0], stageStep, dtype: int64, device: device);
        var expectedXt = Read("stage_xt.f32");
        Compare($"q_sample (t = {stageStep})", diffusion.QSample(x0, t, Read("stage_noise.f32")), expectedXt);
        Compare($"one-stage x0 prediction (t = {stageStep})", diffusion.PredictX0(expectedXt, t, model.call(expectedXt, t)), Read("stage_x0pred.f32"));

        if (hasAdaptiveRuns)
        {
            foreach (string run in AdaptiveReferenceReplay.RunNames(directory, prefix))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var replay = AdaptiveReferenceReplay.Replay(model, diffusion, directory, prefix, run);
                results.Add(new ReferenceComparison(replay.Name, replay.MaxAbsError, replay.Passed(tolerance), replay.Detail));
            }
        }

        return results;
    }

    /// <summary>A raw float32 little-endian tensor; a leading −1 in <paramref name="shape"/> takes the batch from the file size.</summary>
    public static Tensor ReadFloat32(string path, long[] shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        byte[] bytes = System.IO.File.ReadAllBytes(path);
        if (bytes.Length % 4 != 0)
        {
            throw new InvalidDataException($"{Path.GetFileName(path)}: {bytes.Length} bytes is not a whole number of float32 values.");
        }

        var values = new float[bytes.Length / 4];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4, 4));
        }

        long per = shape.Skip(1).Aggregate(1L, (a, b) => a * b);
        long expected = shape[0] < 0 ? values.Length : shape.Aggregate(1L, (a, b) => a * b);
        if (values.Length != expected || values.Length % per != 0)
        {
            throw new InvalidDataException($"{Path.GetFileName(path)} holds {values.Length} values, not the shape [{string.Join(", ", shape)}].");
        }

        // The host, by name: the caller moves it to its device, and the default device may be anything (a test's META trap).
        return tensor(values, device: CPU).reshape([values.Length / per, .. shape.Skip(1)]);
    }
}
