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

    public IReadOnlyList<EvaluationResult> Search(IReadOnlyList<EvaluationCase> tuningCases, TuningGrid grid, InferenceOptions template, Action<int, int>? onCandidate = null)
    {
        ArgumentNullException.ThrowIfNull(grid);
        var results = new List<EvaluationResult>();
        int total = grid.Timesteps.Count * grid.BlurKernels.Count * grid.Thresholds.Count, done = 0;
        foreach (int t in grid.Timesteps)
        {
            foreach (int k in grid.BlurKernels)
            {
                foreach (double threshold in grid.Thresholds)
                {
                    var options = template with { Timesteps = [t], BlurKernel = k, Threshold = threshold };
                    var result = evaluator.Run("tuning", tuningCases, options);
                    results.Add(result with { Outcomes = [] });
                    onCandidate?.Invoke(++done, total);
                }
            }
        }

        return [.. results.OrderByDescending(r => double.IsNaN(r.Dice) ? -1 : r.Dice)];
    }
}

/// <summary>The values searched for each inference parameter.</summary>
public sealed record TuningGrid(IReadOnlyList<int> Timesteps, IReadOnlyList<int> BlurKernels, IReadOnlyList<double> Thresholds);
