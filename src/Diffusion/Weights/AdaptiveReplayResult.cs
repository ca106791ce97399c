using System.Globalization;
using Synomaly.Diffusion.Inference;

namespace Synomaly.Diffusion.Weights;

/// <summary>
/// One replayed adaptive run: stage counts per image (reference and port), the largest reconstruction error over every
/// stage, the worst map (most pixels that differ in being anomalous, of <see cref="MapPixels"/>, over every stage's map and
/// the final one) with the largest value error where both maps are non-zero, and the final anomalous-pixel counts.
/// </summary>
public sealed record AdaptiveReplayResult(
    string Run,
    InferenceOptions Options,
    IReadOnlyList<int> ExpectedStages,
    IReadOnlyList<int> StagesRun,
    double MaxReconstructionError,
    int WorstMapDisagreement,
    int MapPixels,
    double MaxMapError,
    IReadOnlyList<long> ExpectedFinalCounts,
    IReadOnlyList<long> FinalCounts,
    int PixelsPerImage)
{
    public bool StagesMatch => ExpectedStages.SequenceEqual(StagesRun);

    /// <summary>The larger of the reconstruction and map value errors: the one number a table of tensor checks shows.</summary>
    public double MaxAbsError => Math.Max(MaxReconstructionError, MaxMapError);

    public bool MapsAgree => WorstMapDisagreement <= AdaptiveReferenceReplay.MaxMapDisagreement * MapPixels;

    /// <summary>Each image's final count within 0.5 % of its pixels of the reference's (what the map tolerance allows).</summary>
    public bool FinalCountsAgree => ExpectedFinalCounts.Count == FinalCounts.Count
        && ExpectedFinalCounts.Zip(FinalCounts).All(p => Math.Abs(p.First - p.Second) <= AdaptiveReferenceReplay.MaxMapDisagreement * PixelsPerImage);

    /// <summary>Every check of the fixtures README: same stage counts, tensors within <paramref name="tolerance"/>, maps agreeing.</summary>
    public bool Passed(double tolerance) => StagesMatch && MaxReconstructionError <= tolerance && MaxMapError <= tolerance && MapsAgree && FinalCountsAgree;

    /// <summary>The run's settings in the reference's terms, e.g. "adaptive run a (t = 500, k = 5, θ = 0.2, δ = 0.01)".</summary>
    public string Name => string.Create(
        CultureInfo.InvariantCulture,
        $"adaptive run {Run} (t = {Options.Timesteps[0]}, k = {Options.BlurKernel}, θ = {Options.Threshold}, δ = {Options.StopDelta})");

    /// <summary>What was compared besides the tensor error, in one line ("px differ": pixels that differ in being anomalous).</summary>
    public string Detail => string.Create(
        CultureInfo.InvariantCulture,
        $"stages [{string.Join(",", StagesRun)}] vs reference [{string.Join(",", ExpectedStages)}]; worst map {WorstMapDisagreement}/{MapPixels} px differ; final px [{string.Join(",", FinalCounts)}] vs [{string.Join(",", ExpectedFinalCounts)}]");
}
