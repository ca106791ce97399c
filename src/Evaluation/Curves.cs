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

    private static List<(double X, double Y)> Thin(List<(double X, double Y)> points, int maxPoints)
    {
        if (points.Count <= maxPoints)
        {
            return points;
        }

        double step = (points.Count - 1) / (double)(maxPoints - 1);
        return [.. Enumerable.Range(0, maxPoints).Select(i => points[(int)Math.Round(i * step)])];
    }
}
