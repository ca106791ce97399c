using Synomaly.Diffusion.Inference;
using Synomaly.Testing;
using static TorchSharp.torch;

namespace Synomaly.Evaluation.Tests.DevicePlacement;

/// <summary>
/// The tensor code of tune, evaluate and train outside the engine (the evaluator's batches and residuals, the normative
/// residual's head gate, the training set's tensors) makes no tensor without naming its device (see
/// <see cref="ImplicitDeviceTrap"/>) and gives the untrapped results to the bit. The model is built outside the trap, as
/// the commands build it on the CPU before moving it.
/// </summary>
[Collection(ImplicitDeviceCollection.Name)]
public sealed class EvaluationDevicePlacementTests
{
    private const int Size = 8;

    [Fact]
    public void An_evaluation_run_makes_no_tensor_off_the_model_device()
    {
        using var detector = new TinyDetector();
        var evaluator = detector.Evaluator();
        var cases = Cases(3);
        var adaptive = InferenceOptions.Adaptive(100, 3, 0.2) with { MinComponentSize = 0, Seed = 1 };

        // Trapped first, so that the detector's first call (the schedule's tables reach the device) is trapped too.
        var trapped = ImplicitDeviceTrap.Run(() => evaluator.Run("trapped", cases, adaptive, cancellationToken: TestContext.Current.CancellationToken)).Outcomes;
        var expected = evaluator.Run("plain", cases, adaptive, cancellationToken: TestContext.Current.CancellationToken).Outcomes;

        Assert.Equal(expected.Select(o => o.Map), trapped.Select(o => o.Map));
        Assert.Equal(expected.Select(o => o.Residual), trapped.Select(o => o.Residual));
        Assert.Equal(expected.Select(o => o.Reconstruction), trapped.Select(o => o.Reconstruction));
        Assert.Equal(expected.Select(o => (o.Score, o.StagesRun)), trapped.Select(o => (o.Score, o.StagesRun)));
    }

    [Fact]
    public void The_normative_residual_makes_no_tensor_off_the_model_device()
    {
        using var detector = new TinyDetector();
        var evaluator = detector.Evaluator();
        var healthy = Cases(3);
        var candidate = InferenceOptions.Adaptive(200, 3, 0.2);

        var trapped = ImplicitDeviceTrap.Run(() => NormativeResidual.Measure(evaluator, healthy, candidate, seed: 5, cancellationToken: TestContext.Current.CancellationToken));
        var expected = NormativeResidual.Measure(evaluator, healthy, candidate, seed: 5, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(expected.Mean, trapped.Mean);
        Assert.Equal(expected.MeanInput, trapped.MeanInput);
        Assert.Equal(expected.HeadTemplate, trapped.HeadTemplate);
        Assert.Equal(expected.MinHeadCorrelation, trapped.MinHeadCorrelation);
    }

    [Fact]
    public void The_training_set_s_tensors_are_made_on_the_cpu_whatever_the_default_device()
    {
        var set = TrainingSet.Load([ScanFiles.IxiSlice(0), ScanFiles.IxiSlice(1)], TrainingModality.BrainMri.Preset(Size), Size, cancellationToken: TestContext.Current.CancellationToken);
        using var scope = NewDisposeScope();

        // The trainer moves them to the training device; made on the default device, they would have to be there already.
        var images = ImplicitDeviceTrap.Run(set.ToTensor);

        ImplicitDeviceTrap.AssertSame(set.ToTensor(), images);
    }

    /// <summary>Slices of seeded noise in [−1, 1], healthy (no lesion, empty truth).</summary>
    private static List<EvaluationCase> Cases(int count)
    {
        var generator = new Random(5);
        return [.. Enumerable.Range(0, count).Select(i => new EvaluationCase(
            $"case-{i}", $"s{i}.png", [.. Enumerable.Range(0, Size * Size).Select(_ => (float)((generator.NextDouble() * 2) - 1))], new bool[Size * Size], null))];
    }
}
