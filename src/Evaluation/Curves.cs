namespace Synomaly.Evaluation;

/// <summary>ROC and precision-recall curve points for plots (the areas come from the engine's RankingMetrics).</summary>
public static class Curves
{
    /// <summary>
    /// (false positive rate, true positive rate) at every distinct score threshold, from (0,0) to (1,1); no points without
    /// both classes, where AUROC is undefined (a line along an axis would read as a measured result).
    /// </summary>
    public static IReadOnlyList<(double X, double Y)> Roc(IReadOnlyList<float> scores, IReadOnlyList<bool> labels, int maxPoints = 400)
    {
        var (positives, negatives, order) = Sorted(scores, labels);
        if (positives == 0 || negatives == 0)
        {
            return [];
        }

        var points = new List<(double, double)> { (0, 0) };
        long tp = 0, fp = 0;
        for (int i = 0; i < order.Length; i++)
        {
            if (labels[order[i]]) { tp++; } else { fp++; }
            if (i == order.Length - 1 || scores[order[i + 1]] != scores[order[i]])
            {
                points.Add((fp / (double)negatives, tp / (double)positives));
            }
        }

        return Thin(points, maxPoints);
    }

    /// <summary>
    /// (recall, precision) at every distinct score threshold, highest threshold first, after scikit-learn's start point
    /// (recall 0, precision 1), from which the table's trapezoid AUPRC is integrated: drawn without it, the curve's area
    /// was not the reported one. No points without positives, where recall and AP are undefined.
    /// </summary>
    public static IReadOnlyList<(double X, double Y)> PrecisionRecall(IReadOnlyList<float> scores, IReadOnlyList<bool> labels, int maxPoints = 400)
    {
        var (positives, _, order) = Sorted(scores, labels);
        if (positives == 0)
        {
            return [];
        }

        var points = new List<(double, double)> { (0, 1) };
        long tp = 0, fp = 0;
        for (int i = 0; i < order.Length; i++)
        {
            if (labels[order[i]]) { tp++; } else { fp++; }
            if (i == order.Length - 1 || scores[order[i + 1]] != scores[order[i]])
            {
                points.Add((tp / (double)positives, tp / (double)(tp + fp)));
            }
        }

        return Thin(points, maxPoints);
    }

    private static (long Positives, long Negatives, int[] Order) Sorted(IReadOnlyList<float> scores, IReadOnlyList<bool> labels)
    {
        if (scores.Count != labels.Count)
        {
            throw new ArgumentException($"{scores.Count} scores but {labels.Count} labels.");
        }

        var order = Enumerable.Range(0, scores.Count).OrderByDescending(i => scores[i]).ToArray();
        long positives = labels.LongCount(l => l);
        return (positives, labels.Count - positives, order);
    }

    /// <summary>
    /// At most <paramref name="maxPoints"/> of the points, first and last kept, spaced evenly by distance along the curve
    /// (|Δx| + |Δy| in the unit square). Spaced by threshold index instead, a pixel-level curve, whose lesion pixels are a
    /// few hundred of its hundreds of thousands of thresholds, kept a handful of points where it bends and drew straight
    /// chords there. Each point kept inside uses up at least one spacing of the length, so no more than fit are kept.
    /// </summary>
    private static List<(double X, double Y)> Thin(List<(double X, double Y)> points, int maxPoints)
    {
        if (points.Count <= maxPoints)
        {
            return points;
        }

        double length = 0;
        for (int i = 1; i < points.Count; i++)
        {
            length += Distance(points[i - 1], points[i]);
        }

        double spacing = length / Math.Max(1, maxPoints - 2);
        var kept = new List<(double X, double Y)> { points[0] };
        double along = 0, next = spacing;
        for (int i = 1; i < points.Count - 1 && length > 0 && maxPoints > 2; i++)
        {
            along += Distance(points[i - 1], points[i]);
            if (along >= next)
            {
                kept.Add(points[i]);
                next = along + spacing;
            }
        }

        kept.Add(points[^1]);
        return kept;
    }

    private static double Distance((double X, double Y) a, (double X, double Y) b) => Math.Abs(b.X - a.X) + Math.Abs(b.Y - a.Y);
}
