using Synomaly.Diffusion.Inference;

namespace Synomaly.Evaluation.Tests;

public sealed class NormativeResidualTests
{
    /// <summary>A 2x2 residual: the first row is the head (mean input above −0.9), the second the background.</summary>
    private static readonly HealthyResidual TwoByTwo = new(Mean: [0.02f, 0.06f, 0f, 0.001f], MeanInput: [0.1f, -0.5f, -1f, -0.95f], Slices: 12, Timestep: 150, BlurKernel: 3, NoiseDraws: 4, HeadTemplate: [1f, 1f, 0f, 0.5f], MinHeadCorrelation: 0.9);

    [Fact]
    public void Factors_follow_the_healthy_residual_relative_to_its_mean_over_the_head_by_alpha()
    {
        // m̄ over the head = 0.04; the floor is m̄/20 = 0.002.
        var full = NormativeResidual.Threshold(TwoByTwo, 1);
        var half = NormativeResidual.Threshold(TwoByTwo, 0.5);
        var none = NormativeResidual.Threshold(TwoByTwo, 0);

        Assert.Equal([0.5f, 1.5f, 0.05f, 0.05f], full.Scale);
        Assert.Equal([0.75f, 1.25f, 0.525f, 0.525f], half.Scale);
        Assert.Equal([1f, 1f, 1f, 1f], none.Scale);
        Assert.Equal((0.5, 12, 150, 3, 4), (half.Alpha, half.HealthySlices, half.Timestep, half.BlurKernel, half.NoiseDraws));
        Assert.Equal([1f, 1f, 0f, 0.5f], half.HeadTemplate!);   // the gate: the head template and its floor travel with the factors
        Assert.Equal(0.9, half.MinHeadCorrelation);
    }

    [Fact]
    public void Factors_are_rounded_to_three_decimals_and_bad_weights_or_a_flat_residual_are_refused()
    {
        var third = NormativeResidual.Threshold(TwoByTwo with { Mean = [0.03f, 0.06f, 0f, 0f] }, 1);
        Assert.Equal(0.667f, third.Scale[0]);

        Assert.Throws<ArgumentException>(() => NormativeResidual.Threshold(TwoByTwo, 1.5));
        Assert.Throws<ArgumentException>(() => NormativeResidual.Threshold(TwoByTwo, double.NaN));
        Assert.Throws<InvalidOperationException>(() => NormativeResidual.Threshold(TwoByTwo with { Mean = new float[4] }, 0.5));
    }

    [Fact]
    public void A_weight_outside_0_to_1_is_refused_in_one_line_naming_the_option_and_the_value()
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => NormativeResidual.Threshold(TwoByTwo, 2));

        Assert.Equal("--normative-alpha: 2 is not a normative weight: give a number from 0 to 1.", error.Message);
    }

    [Fact]
    public void Expanding_keeps_every_candidate_once_per_alpha_and_alpha_zero_is_the_reference()
    {
        var candidates = new[] { InferenceOptions.Adaptive(150, 3, 0.15), InferenceOptions.Adaptive(150, 5, 0.15) };
        var asked = new List<int>();

        var expanded = NormativeResidual.Expand(candidates, [0, 0.5, 1], c =>
        {
            asked.Add(c.BlurKernel);
            return TwoByTwo with { BlurKernel = c.BlurKernel };
        }).ToList();

        Assert.Equal(6, expanded.Count);
        Assert.Same(candidates[0], expanded[0]);
        Assert.Same(candidates[1], expanded[1]);
        Assert.Equal([0.5, 0.5, 1.0, 1.0], expanded.Skip(2).Select(c => c.NormativeThreshold!.Alpha));
        Assert.Equal([3, 5, 3, 5], expanded.Skip(2).Select(c => c.BlurKernel));
        Assert.All(expanded.Skip(2), c => Assert.Equal(c.BlurKernel, c.NormativeThreshold!.BlurKernel));
        Assert.Equal([3, 5, 3, 5], asked);
    }

    [Fact]
    public void The_residual_is_the_mean_single_stage_map_without_threshold_whatever_the_candidate_s_map_settings()
    {
        using var detector = new TinyDetector();
        var evaluator = detector.Evaluator();
        var generator = new Random(3);
        var healthy = Enumerable.Range(0, 3)
            .Select(i => new EvaluationCase($"healthy-{i}", $"s{i}.png", [.. Enumerable.Range(0, 64).Select(_ => (float)((generator.NextDouble() * 2) - 1))], new bool[64], null))
            .ToList();
        var plain = InferenceOptions.Adaptive(200, 3, 0.2);
        var decorated = plain with { Threshold = 0.45, MinComponentSize = 30, MaxStages = 3, NormativeThreshold = new(new float[64], 1, 1, 200, 3, 1) };

        var residual = NormativeResidual.Measure(evaluator, healthy, plain, seed: 5, cancellationToken: TestContext.Current.CancellationToken);
        var same = NormativeResidual.Measure(evaluator, healthy, decorated, seed: 5, cancellationToken: TestContext.Current.CancellationToken);
        var maps = evaluator.Run("check", healthy, InferenceOptions.SingleStage(200, 3, 0) with { MinComponentSize = 0, Seed = 5 }, cancellationToken: TestContext.Current.CancellationToken).Outcomes;

        Assert.Equal((3, 200, 3, 1), (residual.Slices, residual.Timestep, residual.BlurKernel, residual.NoiseDraws));
        Assert.Equal(residual.Mean, same.Mean);
        for (int p = 0; p < 64; p++)
        {
            Assert.Equal(maps.Average(o => o.Map[p]), residual.Mean[p], 1e-6f);
            Assert.Equal(healthy.Average(c => c.Input[p]), residual.MeanInput[p], 1e-6f);
        }

        Assert.Contains(residual.Mean, m => m > 0);

        // The gate: the share of slices with head (input above −0.9) at each pixel, and as floor the 1st percentile of the
        // head masks' correlations with it (with three slices, the lowest), rounded down to two decimals.
        float[][] masks = [.. healthy.Select(c => c.Input.Select(v => v > -0.9f ? 1f : 0f).ToArray())];
        for (int p = 0; p < 64; p++)
        {
            Assert.Equal(Math.Round(masks.Average(m => m[p]), 3), residual.HeadTemplate[p], 1e-6);
        }

        double lowest = masks.Min(m => Pearson(m, residual.HeadTemplate));
        Assert.Equal(Math.Floor(lowest * 100) / 100, residual.MinHeadCorrelation, 1e-9);
        Assert.InRange(residual.MinHeadCorrelation, -1, 1);
        Assert.Throws<ArgumentException>(() => NormativeResidual.Measure(evaluator, [], plain, 5, cancellationToken: TestContext.Current.CancellationToken));
    }

    [Fact]
    public void The_residual_covers_the_whole_slice_even_where_the_cases_carry_a_foreground()
    {
        using var detector = new TinyDetector();
        var evaluator = detector.Evaluator();
        var generator = new Random(3);
        var whole = Enumerable.Range(0, 3)
            .Select(i => new EvaluationCase($"healthy-{i}", $"s{i}.png", [.. Enumerable.Range(0, 64).Select(_ => (float)((generator.NextDouble() * 2) - 1))], new bool[64], null))
            .ToList();
        bool[] leftHalf = [.. Enumerable.Range(0, 64).Select(p => p % 8 < 4)];
        var withForeground = whole.Select(c => c with { Foreground = leftHalf }).ToList();

        var expected = NormativeResidual.Measure(evaluator, whole, InferenceOptions.Adaptive(200, 3, 0.2), seed: 5, cancellationToken: TestContext.Current.CancellationToken);
        var measured = NormativeResidual.Measure(evaluator, withForeground, InferenceOptions.Adaptive(200, 3, 0.2), seed: 5, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(expected.Mean, measured.Mean);
        Assert.Contains(measured.Mean.Where((_, p) => p % 8 >= 4), m => m > 0);
    }

    [Fact]
    public void Measuring_reports_the_slices_done_after_each_batch_and_the_residual_stays_the_same()
    {
        using var detector = new TinyDetector();
        var evaluator = detector.Evaluator();
        var generator = new Random(4);
        var healthy = Enumerable.Range(0, 5)
            .Select(i => new EvaluationCase($"healthy-{i}", $"s{i}.png", [.. Enumerable.Range(0, 64).Select(_ => (float)((generator.NextDouble() * 2) - 1))], new bool[64], null))
            .ToList();
        var progress = new RecordingProgress();

        var silent = NormativeResidual.Measure(evaluator, healthy, InferenceOptions.Adaptive(200, 3, 0.2), seed: 5, cancellationToken: TestContext.Current.CancellationToken);
        var reported = NormativeResidual.Measure(evaluator, healthy, InferenceOptions.Adaptive(200, 3, 0.2), seed: 5, progress, TestContext.Current.CancellationToken);

        Assert.Equal([2, 4, 5], progress.Reports);
        Assert.Equal(silent.Mean, reported.Mean);
        Assert.Equal(silent.MeanInput, reported.MeanInput);
        Assert.Equal(silent.HeadTemplate, reported.HeadTemplate);
    }

    /// <summary>Records every report on the reporting thread (Progress&lt;T&gt; would post them to the thread pool).</summary>
    private sealed class RecordingProgress : IProgress<int>
    {
        public List<int> Reports { get; } = [];

        public void Report(int value) => Reports.Add(value);
    }

    private static double Pearson(float[] a, float[] b)
    {
        double meanA = a.Average(v => (double)v), meanB = b.Average(v => (double)v);
        double covariance = a.Select((v, i) => (v - meanA) * (b[i] - meanB)).Sum();
        return covariance / Math.Sqrt(a.Sum(v => (v - meanA) * (v - meanA)) * b.Sum(v => (v - meanB) * (v - meanB)));
    }

    [Fact]
    public void The_evaluator_records_which_cases_the_head_gate_kept_on_the_single_threshold()
    {
        using var detector = new TinyDetector();
        var evaluator = detector.Evaluator();
        // Head (0.2) in the left half of the first two cases, in the right half of the third.
        EvaluationCase Case(int i, bool left) => new($"healthy-{i}", $"s{i}.png", [.. Enumerable.Range(0, 64).Select(p => (p % 8 < 4) == left ? 0.2f : -1f)], new bool[64], null);
        var cases = new[] { Case(0, left: true), Case(1, left: true), Case(2, left: false) };
        float[] leftHead = [.. Enumerable.Range(0, 64).Select(p => p % 8 < 4 ? 1f : 0f)];
        var options = InferenceOptions.SingleStage(200, 3, 0.2) with
        {
            MinComponentSize = 0,
            Seed = 1,
            NormativeThreshold = new([.. Enumerable.Repeat(1f, 64)], 0.5, 3, 200, 3, 1, leftHead, 0.9),
        };

        var result = evaluator.Run("gated", cases, options, cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal([false, false, true], result.Outcomes.Select(o => o.NormativeFallback));
        Assert.Equal(1, result.NormativeFallbacks);
    }
}
