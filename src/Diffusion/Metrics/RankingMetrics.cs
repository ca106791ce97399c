namespace Synomaly.Diffusion.Metrics;

/// <summary>
/// Threshold-free metrics of scores against binary labels with scikit-learn's semantics (ties share one threshold):
/// ROC AUC (<c>roc_auc_score</c>), the trapezoidal area under the precision-recall curve that the reference reports
/// (<c>auc(recall, precision)</c> after <c>precision_recall_curve</c>), and average precision (<c>average_precision_score</c>).
/// Pixel-level use: pass every pixel of every image's continuous map (pooled) — or, for the reference's per-image variant,
/// one image's thresholded map. Image-level use: one score per image.
/// </summary>
public static class RankingMetrics
{
    /// <summary>ROC AUC; NaN when only one class is present (scikit-learn raises there).</summary>
    public static double RocAuc(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels)
    {
        var curve = Curve(scores, labels);
        if (curve.Positives == 0 || curve.Negatives == 0)
        {
            return double.NaN;
        }

        double area = 0;
        long previousTp = 0, previousFp = 0;
        foreach (var (tp, fp) in curve.Points)
        {
            area += (fp - previousFp) * (tp + previousTp) / 2.0;
            previousTp = tp;
            previousFp = fp;
        }

        return area / ((double)curve.Positives * curve.Negatives);
    }

    /// <summary>
    /// The reference's pixel/image AUPRC: the trapezoidal area under scikit-learn's precision-recall curve (which ends at
    /// recall 0, precision 1). NaN without positives, as the reference gets for healthy images.
    /// </summary>
    public static double PrecisionRecallAuc(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels)
    {
        var curve = Curve(scores, labels);
        if (curve.Positives == 0)
        {
            return double.NaN;
        }

        // Walk from the lowest threshold (recall 1) up to the sentinel point (recall 0, precision 1).
        double area = 0;
        double previousRecall = 0, previousPrecision = 1;
        foreach (var (tp, fp) in curve.Points)
        {
            double recall = tp / (double)curve.Positives;
            double precision = tp + fp == 0 ? 0 : tp / (double)(tp + fp);
            area += (recall - previousRecall) * (precision + previousPrecision) / 2.0;
            previousRecall = recall;
            previousPrecision = precision;
        }

        return area;
    }

    /// <summary>Average precision Σ (R_n − R_{n−1})·P_n, the step-wise area; NaN without positives.</summary>
    public static double AveragePrecision(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels)
    {
        var curve = Curve(scores, labels);
        if (curve.Positives == 0)
        {
            return double.NaN;
        }

        double sum = 0;
        long previousTp = 0;
        foreach (var (tp, fp) in curve.Points)
        {
            sum += (tp - previousTp) / (double)curve.Positives * (tp / (double)(tp + fp));
            previousTp = tp;
        }

        return sum;
    }

    /// <summary>Cumulative (true positives, false positives) at each distinct score, from the highest score down.</summary>
    private static (List<(long Tp, long Fp)> Points, long Positives, long Negatives) Curve(ReadOnlySpan<float> scores, ReadOnlySpan<bool> labels)
    {
        if (scores.Length != labels.Length)
        {
            throw new ArgumentException($"Scores ({scores.Length}) and labels ({labels.Length}) differ in length.", nameof(labels));
        }

        var order = new int[scores.Length];
        var keys = new float[scores.Length];
        for (int i = 0; i < order.Length; i++)
        {
            if (float.IsNaN(scores[i]))
            {
                throw new ArgumentException($"Score {i} is NaN.", nameof(scores));
            }

            order[i] = i;
            keys[i] = -scores[i];
        }

        Array.Sort(keys, order);
        var points = new List<(long, long)>();
        long tp = 0, fp = 0;
        for (int i = 0; i < order.Length; i++)
        {
            if (labels[order[i]]) { tp++; } else { fp++; }
            if (i == order.Length - 1 || keys[i + 1] != keys[i])
            {
                points.Add((tp, fp));
            }
        }

        return (points, tp, fp);
    }
}
