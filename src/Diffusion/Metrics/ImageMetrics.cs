namespace Synomaly.Diffusion.Metrics;

/// <summary>
/// Every per-image metric of one slice (ALGORITHM.md 5.1). The overlap scores use the binary mask (map ≠ 0).
/// <see cref="ReferenceAuprc"/> and <see cref="ReferenceHausdorff95"/> are the reference's variants (AUPRC of this image's
/// thresholded, cleaned map; row-profile distance), kept for comparison with its numbers; <see cref="Hausdorff95"/> is the
/// spatial HD95 in pixels. Pixel AUROC/AUPRC over a data set belong to <see cref="PooledPixelScores"/>.
/// </summary>
public sealed record ImageMetrics(
    double Dice,
    double IoU,
    double Precision,
    double Recall,
    double FalsePositiveRate,
    double ReferenceAuprc,
    double ReferenceHausdorff95,
    double Hausdorff95,
    double Ssim)
{
    public static ImageMetrics Compute(
        ReadOnlySpan<bool> truth, ReadOnlySpan<float> map, ReadOnlySpan<float> image, ReadOnlySpan<float> reconstruction, int height, int width)
    {
        if (map.Length != truth.Length)
        {
            throw new ArgumentException($"Map ({map.Length} pixels) and ground truth ({truth.Length} pixels) differ in size.", nameof(map));
        }

        var predicted = new bool[map.Length];
        for (int i = 0; i < map.Length; i++)
        {
            predicted[i] = map[i] != 0;
        }

        var overlap = SegmentationScores.Compute(truth, predicted);
        return new ImageMetrics(
            overlap.Dice,
            overlap.IoU,
            overlap.Precision,
            overlap.Recall,
            overlap.FalsePositiveRate,
            RankingMetrics.PrecisionRecallAuc(map, truth),
            HausdorffDistance.ReferenceRowProfile95(truth, predicted, height, width),
            HausdorffDistance.Percentile95(truth, predicted, height, width),
            StructuralSimilarity.Compute(image, reconstruction, height, width));
    }

    /// <summary>Each value rounded to 4 decimals, as the reference does before it averages over images.</summary>
    public ImageMetrics RoundedLikeReference() => new(
        Round(Dice), Round(IoU), Round(Precision), Round(Recall), Round(FalsePositiveRate),
        Round(ReferenceAuprc), Round(ReferenceHausdorff95), Round(Hausdorff95), Round(Ssim));

    private static double Round(double value) => double.IsFinite(value) ? Math.Round(value, 4, MidpointRounding.ToEven) : value;
}
