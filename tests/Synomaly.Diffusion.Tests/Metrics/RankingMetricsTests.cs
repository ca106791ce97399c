using Synomaly.Diffusion.Metrics;

namespace Synomaly.Diffusion.Tests.Metrics;

public sealed class RankingMetricsTests
{
    // scikit-learn's documentation example for roc_auc_score / precision_recall_curve / average_precision_score.
    private static readonly float[] ExampleScores = [0.1f, 0.4f, 0.35f, 0.8f];
    private static readonly bool[] ExampleLabels = [false, false, true, true];

    [Fact]
    public void The_scikit_learn_documentation_example_gives_its_published_values()
    {
        Assert.Equal(0.75, RankingMetrics.RocAuc(ExampleScores, ExampleLabels), 12);
        Assert.Equal(0.83333333333, RankingMetrics.AveragePrecision(ExampleScores, ExampleLabels), 10);
        // Curve (recall, precision): (1, .5) (1, 2/3) (.5, .5) (.5, 1) (0, 1); trapezoids 0 + 0.5·(2/3 + .5)/2 + 0 + 0.5·2/2.
        Assert.Equal((0.5 * ((2.0 / 3) + 0.5) / 2) + 0.5, RankingMetrics.PrecisionRecallAuc(ExampleScores, ExampleLabels), 12);
    }

    [Fact]
    public void An_empty_prediction_scores_about_one_half_in_the_reference_auprc()
    {
        // ALGORITHM.md 5.1: an all-zero map with 10 % positive pixels scores (1 + 0.1) / 2 = 0.55.
        var labels = Enumerable.Range(0, 1000).Select(i => i % 10 == 0).ToArray();
        var scores = new float[1000];

        Assert.Equal(0.55, RankingMetrics.PrecisionRecallAuc(scores, labels), 12);
        Assert.Equal(0.5, RankingMetrics.RocAuc(scores, labels), 12);
    }

    [Fact]
    public void A_single_class_gives_nan_as_the_reference_does_for_healthy_images()
    {
        Assert.True(double.IsNaN(RankingMetrics.RocAuc([0.2f, 0.7f], [false, false])));
        Assert.True(double.IsNaN(RankingMetrics.PrecisionRecallAuc([0.2f, 0.7f], [false, false])));
        Assert.True(double.IsNaN(RankingMetrics.RocAuc([0.2f, 0.7f], [true, true])));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Tied_random_scores_agree_with_brute_force_definitions(int seed)
    {
        var random = new Random(seed);
        int n = 300;
        float[] scores = Enumerable.Range(0, n).Select(_ => MathF.Round((float)random.NextDouble(), 1)).ToArray();
        bool[] labels = scores.Select(s => random.NextDouble() < 0.2 + (0.6 * s)).ToArray();

        Assert.Equal(MannWhitney(scores, labels), RankingMetrics.RocAuc(scores, labels), 12);
        Assert.Equal(MeanPrecisionAtPositives(scores, labels), RankingMetrics.AveragePrecision(scores, labels), 12);
        Assert.Equal(TrapezoidOverThresholds(scores, labels), RankingMetrics.PrecisionRecallAuc(scores, labels), 12);
    }

    /// <summary>P(score of a positive > score of a negative) + ½ P(tie), over all pairs.</summary>
    private static double MannWhitney(float[] scores, bool[] labels)
    {
        double wins = 0;
        long pairs = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            for (int j = 0; j < scores.Length; j++)
            {
                if (labels[i] && !labels[j])
                {
                    pairs++;
                    wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
                }
            }
        }

        return wins / pairs;
    }

    /// <summary>Mean over positives of the precision at the threshold of their own score.</summary>
    private static double MeanPrecisionAtPositives(float[] scores, bool[] labels)
    {
        var precisions = new List<double>();
        for (int i = 0; i < scores.Length; i++)
        {
            if (labels[i])
            {
                int above = scores.Count(s => s >= scores[i]);
                int positivesAbove = scores.Where((s, j) => s >= scores[i] && labels[j]).Count();
                precisions.Add(positivesAbove / (double)above);
            }
        }

        return precisions.Average();
    }

    /// <summary>scikit-learn's curve built threshold by threshold (ascending), closed at (recall 0, precision 1), then trapezoids.</summary>
    private static double TrapezoidOverThresholds(float[] scores, bool[] labels)
    {
        int positives = labels.Count(l => l);
        var points = new List<(double Recall, double Precision)>();
        foreach (float threshold in scores.Distinct().Order())
        {
            int tp = scores.Where((s, j) => s >= threshold && labels[j]).Count();
            int predicted = scores.Count(s => s >= threshold);
            points.Add((tp / (double)positives, tp / (double)predicted));
        }

        points.Add((0, 1));
        double area = 0;
        for (int i = 1; i < points.Count; i++)
        {
            area += Math.Abs(points[i].Recall - points[i - 1].Recall) * (points[i].Precision + points[i - 1].Precision) / 2;
        }

        return area;
    }
}
