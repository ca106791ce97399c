using Synomaly.Diffusion.Metrics;

namespace Synomaly.Evaluation.Tests;

public sealed class PooledPixelRankingTests
{
    [Fact]
    public void Every_case_drawn_once_gives_the_pooled_auroc_and_average_precision()
    {
        var (scores, truths) = Cases(seed: 3, count: 9);
        var ranking = new PooledPixelRanking(scores, truths);
        int[] everyCase = [.. Enumerable.Range(0, scores.Length)];

        Assert.Equal(RankingMetrics.RocAuc(Pooled(scores, everyCase), Pooled(truths, everyCase)), ranking.Score(everyCase).RocAuc, 12);
        Assert.Equal(RankingMetrics.AveragePrecision(Pooled(scores, everyCase), Pooled(truths, everyCase)), ranking.Score(everyCase).AveragePrecision, 12);
    }

    [Fact]
    public void A_resample_with_repeated_and_missing_cases_scores_as_its_pixels_pooled_would()
    {
        var (scores, truths) = Cases(seed: 11, count: 7);
        var ranking = new PooledPixelRanking(scores, truths);
        int[] drawn = [4, 0, 4, 6, 2, 2, 4];

        Assert.Equal(RankingMetrics.RocAuc(Pooled(scores, drawn), Pooled(truths, drawn)), ranking.Score(drawn).RocAuc, 12);
        Assert.Equal(RankingMetrics.AveragePrecision(Pooled(scores, drawn), Pooled(truths, drawn)), ranking.Score(drawn).AveragePrecision, 12);
    }

    [Fact]
    public void A_resample_gives_the_references_trapezoidal_auprc_of_its_pooled_pixels()
    {
        var (scores, truths) = Cases(seed: 13, count: 8);
        var ranking = new PooledPixelRanking(scores, truths);
        int[] everyCase = [.. Enumerable.Range(0, scores.Length)];
        int[] drawn = [7, 1, 1, 3, 5, 5, 5, 0];

        Assert.Equal(RankingMetrics.PrecisionRecallAuc(Pooled(scores, everyCase), Pooled(truths, everyCase)), ranking.Score(everyCase).PrecisionRecallAuc, 12);
        Assert.Equal(RankingMetrics.PrecisionRecallAuc(Pooled(scores, drawn), Pooled(truths, drawn)), ranking.Score(drawn).PrecisionRecallAuc, 12);
    }

    [Fact]
    public void A_resample_of_one_class_has_no_auroc_and_one_without_lesions_no_average_precision()
    {
        var (scores, truths) = Cases(seed: 5, count: 4);
        truths[1] = new bool[truths[1].Length];
        var ranking = new PooledPixelRanking(scores, truths);

        Assert.True(double.IsNaN(ranking.Score([1, 1]).RocAuc));
        Assert.True(double.IsNaN(ranking.Score([1]).AveragePrecision));
    }

    [Fact]
    public void Maps_and_masks_of_different_sizes_are_refused_naming_the_case()
    {
        var error = Assert.Throws<ArgumentException>(() => new PooledPixelRanking([new float[4], new float[4]], [new bool[4], new bool[3]]));

        Assert.Contains("Case 1", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Scores on a coarse grid (many ties, within and across cases) and a lesion of a few pixels in most cases.</summary>
    private static (float[][] Scores, bool[][] Truths) Cases(int seed, int count)
    {
        var random = new Random(seed);
        var scores = new float[count][];
        var truths = new bool[count][];
        for (int c = 0; c < count; c++)
        {
            scores[c] = new float[64];
            truths[c] = new bool[64];
            for (int p = 0; p < 64; p++)
            {
                truths[c][p] = c % 3 != 0 && p % 9 == c % 9;
                scores[c][p] = MathF.Round((float)random.NextDouble() * 10) / 10 + (truths[c][p] ? 0.3f : 0);
            }
        }

        return (scores, truths);
    }

    private static T[] Pooled<T>(T[][] perCase, int[] drawn) => [.. drawn.SelectMany(c => perCase[c])];
}
