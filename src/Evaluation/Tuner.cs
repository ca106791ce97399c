using Synomaly.Diffusion.Inference;

namespace Synomaly.Evaluation;

/// <summary>
/// Grid search of (t, blur kernel, threshold) for the adaptive multi-stage process, selecting by mean Dice on the anomalous
/// cases as the authors do, but on the tuning half only: the caller passes cases built from
/// <see cref="SubjectSplit"/>'s tuning files, and reports on the other half.
/// </summary>
public sealed class Tuner(Evaluator evaluator)
{
    /// <summary>The reference grid (anomaly_detection.py __main__): t 100..300, k {3,5,7,11,15,17}, θ 0.10..0.45.</summary>
    public static TuningGrid ReferenceGrid { get; } = new([100, 150, 200, 250, 300], [3, 5, 7, 11, 15, 17], [0.10, 0.15, 0.20, 0.25, 0.30, 0.35, 0.40, 0.45]);

    /// <summary>Every candidate of <paramref name="grid"/> made from <paramref name="template"/>, ranked by Dice.</summary>
    public IReadOnlyList<EvaluationResult> Search(IReadOnlyList<EvaluationCase> tuningCases, TuningGrid grid, InferenceOptions template, Action<int, int>? onCandidate = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grid);
        return Search(tuningCases, [.. grid.Candidates(template)], onCandidate, cancellationToken);
    }

    /// <summary>
    /// The given candidates (a grid's, expanded for example by <see cref="NormativeResidual.Expand"/>), ranked by Dice. A
    /// cancelled <paramref name="cancellationToken"/> stops the search between batches (<see cref="OperationCanceledException"/>),
    /// never with a ranking of the candidates searched so far, which could pass for the whole grid's.
    /// </summary>
    public IReadOnlyList<EvaluationResult> Search(IReadOnlyList<EvaluationCase> tuningCases, IReadOnlyList<InferenceOptions> candidates, Action<int, int>? onCandidate = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        var results = new List<EvaluationResult>();
        int done = 0;
        foreach (var options in candidates)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var result = evaluator.Run("tuning", tuningCases, options, cancellationToken: cancellationToken);
            results.Add(result with { Outcomes = [] });
            onCandidate?.Invoke(++done, candidates.Count);
        }

        return [.. results.OrderByDescending(r => double.IsNaN(r.Dice) ? -1 : r.Dice)];
    }
}

/// <summary>
/// The values searched for each inference parameter. <paramref name="NoiseDraws"/> (default: the reference's single draw) is
/// this project's extension (<see cref="InferenceOptions.NoiseDraws"/>); <paramref name="Fusions"/> (default: the
/// template's, i.e. the released script's soft fusion) is the choice ALGORITHM.md 6.3 leaves open between the released
/// script and the paper's figure.
/// </summary>
public sealed record TuningGrid(IReadOnlyList<int> Timesteps, IReadOnlyList<int> BlurKernels, IReadOnlyList<double> Thresholds, IReadOnlyList<int>? NoiseDraws = null, IReadOnlyList<FusionMode>? Fusions = null)
{
    private IReadOnlyList<int> Draws => NoiseDraws is { Count: > 0 } ? NoiseDraws : [1];

    public int Count => Timesteps.Count * BlurKernels.Count * Thresholds.Count * Draws.Count * (Fusions is { Count: > 0 } ? Fusions.Count : 1);

    /// <summary>Every combination, as <paramref name="template"/> with t, k, θ, the draws and the fusion replaced.</summary>
    public IEnumerable<InferenceOptions> Candidates(InferenceOptions template)
    {
        ArgumentNullException.ThrowIfNull(template);
        IReadOnlyList<FusionMode> fusions = Fusions is { Count: > 0 } ? Fusions : [template.Fusion];
        return from fusion in fusions
               from draws in Draws
               from t in Timesteps
               from k in BlurKernels
               from threshold in Thresholds
               select template with { Timesteps = [t], BlurKernel = k, Threshold = threshold, NoiseDraws = draws, Fusion = fusion };
    }
}
