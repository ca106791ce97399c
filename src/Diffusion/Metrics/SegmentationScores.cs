namespace Synomaly.Diffusion.Metrics;

/// <summary>Pixel counts of a predicted mask against the ground truth.</summary>
public readonly record struct ConfusionCounts(long TruePositives, long FalsePositives, long FalseNegatives, long TrueNegatives)
{
    public long Truth => TruePositives + FalseNegatives;

    public long Predicted => TruePositives + FalsePositives;

    public static ConfusionCounts Count(ReadOnlySpan<bool> truth, ReadOnlySpan<bool> predicted)
    {
        if (truth.Length != predicted.Length)
        {
            throw new ArgumentException($"Ground truth ({truth.Length} pixels) and prediction ({predicted.Length} pixels) differ in size.", nameof(predicted));
        }

        long tp = 0, fp = 0, fn = 0;
        for (int i = 0; i < truth.Length; i++)
        {
            if (predicted[i])
            {
                if (truth[i]) { tp++; } else { fp++; }
            }
            else if (truth[i])
            {
                fn++;
            }
        }

        return new ConfusionCounts(tp, fp, fn, truth.Length - tp - fp - fn);
    }
}

/// <summary>
/// The per-image overlap metrics of the reference (ALGORITHM.md 5.1) with its edge cases: when both masks are empty every
/// score is 1 (FPR 0); precision is 0 when nothing is predicted, recall 0 when the truth is empty but something is predicted.
/// FPR is 0 for an image without negatives.
/// </summary>
public sealed record SegmentationScores(double Dice, double IoU, double Precision, double Recall, double FalsePositiveRate)
{
    public static SegmentationScores Compute(ReadOnlySpan<bool> truth, ReadOnlySpan<bool> predicted) =>
        FromCounts(ConfusionCounts.Count(truth, predicted));

    public static SegmentationScores FromCounts(ConfusionCounts c)
    {
        long negatives = c.FalsePositives + c.TrueNegatives;
        double fpr = negatives == 0 ? 0 : c.FalsePositives / (double)negatives;
        if (c.Truth == 0 && c.Predicted == 0)
        {
            return new SegmentationScores(1, 1, 1, 1, fpr);
        }

        long union = c.TruePositives + c.FalsePositives + c.FalseNegatives;
        return new SegmentationScores(
            Dice: 2.0 * c.TruePositives / (c.Truth + c.Predicted),
            IoU: c.TruePositives / (double)union,
            Precision: c.Predicted == 0 ? 0 : c.TruePositives / (double)c.Predicted,
            Recall: c.Truth == 0 ? 0 : c.TruePositives / (double)c.Truth,
            FalsePositiveRate: fpr);
    }
}
