using Synomaly.Diffusion.Metrics;

namespace Synomaly.Diffusion.Tests.Metrics;

public sealed class SegmentationScoresTests
{
    private static bool[] Mask(params int[] bits) => bits.Select(b => b != 0).ToArray();

    [Fact]
    public void Overlap_scores_of_a_hand_counted_case()
    {
        // TP 2, FP 1, FN 1, TN 2.
        var scores = SegmentationScores.Compute(Mask(1, 1, 0, 0, 1, 0), Mask(1, 0, 1, 0, 1, 0));

        Assert.Equal(4.0 / 6, scores.Dice, 12);
        Assert.Equal(2.0 / 4, scores.IoU, 12);
        Assert.Equal(2.0 / 3, scores.Precision, 12);
        Assert.Equal(2.0 / 3, scores.Recall, 12);
        Assert.Equal(1.0 / 3, scores.FalsePositiveRate, 12);
    }

    [Fact]
    public void Both_masks_empty_score_one_as_in_the_reference()
    {
        var scores = SegmentationScores.Compute(Mask(0, 0, 0), Mask(0, 0, 0));

        Assert.Equal(new SegmentationScores(1, 1, 1, 1, 0), scores);
    }

    [Fact]
    public void An_empty_prediction_scores_zero_precision_and_an_empty_truth_zero_recall()
    {
        var missed = SegmentationScores.Compute(Mask(1, 1, 0), Mask(0, 0, 0));
        var spurious = SegmentationScores.Compute(Mask(0, 0, 0, 0), Mask(0, 1, 0, 0));

        Assert.Equal(new SegmentationScores(0, 0, 0, 0, 0), missed);
        Assert.Equal(new SegmentationScores(0, 0, 0, 0, 0.25), spurious);
    }

    [Fact]
    public void Masks_of_different_sizes_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => SegmentationScores.Compute(Mask(1, 0), Mask(1)));
    }
}
