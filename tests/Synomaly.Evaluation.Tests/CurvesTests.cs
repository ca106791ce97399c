namespace Synomaly.Evaluation.Tests;

public sealed class CurvesTests
{
    [Fact]
    public void A_set_of_one_class_draws_no_curve_where_its_area_is_undefined()
    {
        float[] scores = [0.9f, 0.4f, 0.4f, 0.1f];
        bool[] healthy = [false, false, false, false];
        bool[] anomalous = [true, true, true, true];

        // AUROC needs both classes and AP a positive: a line along an axis would look like a measured worst or best case.
        Assert.Empty(Curves.Roc(scores, healthy));
        Assert.Empty(Curves.Roc(scores, anomalous));
        Assert.Empty(Curves.PrecisionRecall(scores, healthy));
        Assert.NotEmpty(Curves.PrecisionRecall(scores, anomalous));
    }

    [Fact]
    public void Tied_scores_give_one_point_and_a_constant_score_the_chance_line()
    {
        float[] scores = [0.9f, 0.4f, 0.4f, 0.1f];
        bool[] labels = [true, true, false, false];

        Assert.Equal([(0, 0), (0, 0.5), (0.5, 1), (1, 1)], Curves.Roc(scores, labels));
        Assert.Equal([(0, 0), (1, 1)], Curves.Roc([0.3f, 0.3f, 0.3f, 0.3f], labels));
    }

    [Fact]
    public void The_precision_recall_curve_starts_where_the_reported_auprc_starts_so_its_area_is_that_auprc()
    {
        float[] scores = [0.9f, 0.8f, 0.4f, 0.4f, 0.1f];
        bool[] labels = [false, true, true, false, true];

        var curve = Curves.PrecisionRecall(scores, labels);

        // scikit-learn's curve, which the trapezoid AUPRC of the table integrates, begins at (recall 0, precision 1).
        Assert.Equal((0.0, 1.0), curve[0]);
        double area = curve.Zip(curve.Skip(1), (a, b) => (b.X - a.X) * (a.Y + b.Y) / 2).Sum();
        Assert.Equal(Synomaly.Diffusion.Metrics.RankingMetrics.PrecisionRecallAuc(scores, labels), area, 12);
    }

    [Fact]
    public void Thinning_keeps_the_curve_s_shape_where_few_thresholds_carry_most_of_it()
    {
        // Pixel-level: a few hundred lesion pixels rank above 100,000 background ones, mixed at first. The curve bends within
        // its first 1% of thresholds; thinning by threshold index left a handful of points there and drew straight chords.
        var random = new Random(3);
        int count = 101_000;
        float[] scores = [.. Enumerable.Range(0, count).Select(i => (float)(count - i))];
        bool[] labels = [.. Enumerable.Range(0, count).Select(i => i < 1000 ? random.NextDouble() < 1 - (i / 1000.0) : random.NextDouble() < 0.001)];

        foreach (var curve in new[] { Curves.Roc(scores, labels, 100), Curves.PrecisionRecall(scores, labels, 100) })
        {
            Assert.InRange(curve.Count, 2, 100);
            double longest = curve.Zip(curve.Skip(1), (a, b) => Math.Abs(b.X - a.X) + Math.Abs(b.Y - a.Y)).Max();
            Assert.True(longest < 0.1, $"a chord of {longest} in the unit square");
        }
    }
}
