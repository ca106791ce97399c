using System.Globalization;
using Synomaly.Diffusion.Metrics;
using Synomaly.Testing;

namespace Synomaly.Evaluation.Tests;

/// <summary>
/// docs/EVALUATION.md gives the shipped run's step-wise image AP beside the reference's trapezoidal image AUPRC. It was
/// not in that run's outputs, so it is measured here from the run's case table (an image's score is its predicted pixel
/// count), with the trapezoid alongside to show the table is read as the run scored it.
/// </summary>
public sealed class ShippedImageRankingTests
{
    [Theory]
    [InlineData("single-stage", 0.942, 0.914)]
    [InlineData("fixed-list", 0.894, 0.893)]
    [InlineData("adaptive", 0.946, 0.920)]
    public void The_documented_image_ap_of_the_shipped_run_is_measured_from_its_case_table(string mode, double documentedAuprc, double documentedAveragePrecision)
    {
        var rows = File.ReadLines(Path.Combine(TestPaths.RepositoryRoot, "docs", "evaluation", "cases.csv"))
            .Skip(1).Select(line => line.Split(',')).Where(columns => columns[0] == mode).ToList();
        float[] scores = [.. rows.Select(columns => float.Parse(columns[5], CultureInfo.InvariantCulture))];
        bool[] anomalous = [.. rows.Select(columns => columns[2] != "healthy")];

        Assert.Equal(87, rows.Count);
        Assert.Equal(documentedAuprc, Math.Round(RankingMetrics.PrecisionRecallAuc(scores, anomalous), 3));
        Assert.Equal(documentedAveragePrecision, Math.Round(RankingMetrics.AveragePrecision(scores, anomalous), 3));
    }
}
