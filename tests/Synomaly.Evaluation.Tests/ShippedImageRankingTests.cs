using System.Globalization;
using System.Text.Json;
using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Metrics;
using Synomaly.Testing;

namespace Synomaly.Evaluation.Tests;

/// <summary>
/// docs/EVALUATION.md gives the shipped run's step-wise image AP beside the reference's trapezoidal image AUPRC. It was
/// not in that run's outputs, so it is measured here from the run's case table (an image's score is its predicted pixel
/// count), with the trapezoid alongside to show the table is read as the run scored it. The run's image intervals are
/// drawn again from the same table by the product's code, and must come out as published to the last bit.
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

    [Theory]
    [InlineData("single-stage")]
    [InlineData("fixed-list")]
    [InlineData("adaptive")]
    public void The_shipped_image_ranking_intervals_are_those_the_product_draws_again_from_the_run_s_cases_bit_for_bit(string mode)
    {
        // The image scores and labels are all the image intervals need, and the case table has them; the subjects come
        // from the manifest's sources, in the table's order, as the run had them. Same seed, same draws, same numbers.
        string folder = Path.Combine(TestPaths.RepositoryRoot, "docs", "evaluation");
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "reporting-set.json")));
        var sourceOf = manifest.RootElement.GetProperty("cases").EnumerateArray()
            .ToDictionary(c => c.GetProperty("Id").GetString()!, c => c.GetProperty("source").GetString()!, StringComparer.Ordinal);
        CaseOutcome[] outcomes = [.. File.ReadLines(Path.Combine(folder, "cases.csv")).Skip(1).Select(line => line.Split(',')).Where(columns => columns[0] == mode).Select(columns =>
        {
            int truthArea = int.Parse(columns[4], CultureInfo.InvariantCulture);
            bool[] truth = [.. Enumerable.Range(0, truthArea + 1).Select(p => p < truthArea)];
            // A lesion case as a given one (a truth source, no drawn lesion): only its label counts here.
            var evaluationCase = new EvaluationCase(columns[1], sourceOf[columns[1]], new float[truth.Length], truth, Lesion: null, TruthSource: columns[2] == "healthy" ? null : "given");
            var metrics = new ImageMetrics(0, 0, 0, 0, 0, 0, 0, 0, 0);
            return new CaseOutcome(evaluationCase, new float[truth.Length], new float[truth.Length], new float[truth.Length], long.Parse(columns[5], CultureInfo.InvariantCulture), 1, metrics);
        })];
        using var shipped = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "evaluation.json")));
        var row = shipped.RootElement.EnumerateArray().Single(r => r.GetProperty("Name").GetString() == mode);
        (double, double) Published(string name) => (row.GetProperty(name)[0].GetDouble(), row.GetProperty(name)[1].GetDouble());

        var result = EvaluationResult.From(mode, InferenceOptions.Adaptive(200, 5, 0.15), outcomes);

        Assert.Equal(87, outcomes.Length);
        Assert.Equal(Published("ImageAurocCi95"), result.ImageAurocInterval);
        Assert.Equal(Published("ImageAuprcCi95"), result.ImageAuprcInterval);
        Assert.Equal(Published("ImageAveragePrecisionCi95"), result.ImageAveragePrecisionInterval);
        Assert.Equal(0, result.ImageRankingResamplesLeftOut);
    }
}
