using Synomaly.Diffusion.Metrics;

namespace Synomaly.Diffusion.Tests.Metrics;

public sealed class ImageMetricsTests
{
    private const int H = 12, W = 12;

    /// <summary>Truth: rows 2..5, columns 2..5. Map: rows 3..6, columns 2..5 at 0.4, one stray pixel at 0.9.</summary>
    private static (bool[] Truth, float[] Map) Case()
    {
        var truth = new bool[H * W];
        var map = new float[H * W];
        for (int y = 2; y < 6; y++)
        {
            for (int x = 2; x < 6; x++)
            {
                truth[(y * W) + x] = true;
                map[((y + 1) * W) + x] = 0.4f;
            }
        }

        map[(10 * W) + 10] = 0.9f;
        return (truth, map);
    }

    [Fact]
    public void Per_image_metrics_use_the_mask_of_the_map_and_the_maps_values_for_auprc()
    {
        var (truth, map) = Case();
        float[] image = Enumerable.Range(0, H * W).Select(i => (i % 7) / 7f).ToArray();
        float[] reconstruction = image.Select(v => v * 0.9f).ToArray();

        var metrics = ImageMetrics.Compute(truth, map, image, reconstruction, H, W);

        // TP 12 (rows 3..5), FP 4 + 1, FN 4.
        Assert.Equal(24.0 / 33, metrics.Dice, 12);
        Assert.Equal(12.0 / 21, metrics.IoU, 12);
        Assert.Equal(12.0 / 17, metrics.Precision, 12);
        Assert.Equal(12.0 / 16, metrics.Recall, 12);
        Assert.Equal(5.0 / 128, metrics.FalsePositiveRate, 12);
        Assert.Equal(RankingMetrics.PrecisionRecallAuc(map, truth), metrics.ReferenceAuprc);
        Assert.Equal(StructuralSimilarity.Compute(image, reconstruction, H, W), metrics.Ssim);
        Assert.True(metrics.Hausdorff95 >= 1, "the prediction is shifted by one row and has a stray pixel");
    }

    [Fact]
    public void Rounding_like_the_reference_keeps_four_decimals_and_leaves_nan_and_infinity()
    {
        var metrics = new ImageMetrics(0.123456, 0.5, 1, 0, 0.00004999, double.NaN, 2.71828, double.PositiveInfinity, 0.99995);
        var rounded = metrics.RoundedLikeReference();

        Assert.Equal(new ImageMetrics(0.1235, 0.5, 1, 0, 0, double.NaN, 2.7183, double.PositiveInfinity, 1.0), rounded);
    }

    [Fact]
    public void Pooled_pixel_scores_rank_all_images_together()
    {
        var (truth, map) = Case();
        var healthyMap = new float[H * W];
        healthyMap[0] = 0.95f;
        var pooled = new PooledPixelScores();
        pooled.Add(map, truth);
        pooled.Add(healthyMap, new bool[H * W]);

        float[] scores = [.. map, .. healthyMap];
        bool[] labels = [.. truth, .. new bool[H * W]];
        Assert.Equal(2 * H * W, pooled.Count);
        Assert.Equal(RankingMetrics.RocAuc(scores, labels), pooled.RocAuc());
        Assert.Equal(RankingMetrics.PrecisionRecallAuc(scores, labels), pooled.PrecisionRecallAuc());
        Assert.Equal(RankingMetrics.AveragePrecision(scores, labels), pooled.AveragePrecision());
        // The healthy image's false alarm outranks every true pixel: pooling sees it, the per-image AUPRC cannot (NaN there).
        Assert.True(pooled.AveragePrecision() < RankingMetrics.AveragePrecision(map, truth));
    }
}
