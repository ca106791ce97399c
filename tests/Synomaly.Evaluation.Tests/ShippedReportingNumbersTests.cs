using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Synomaly.Testing;

namespace Synomaly.Evaluation.Tests;

/// <summary>
/// The headline numbers docs/EVALUATION.md publishes for the shipped model (demo-v8, reporting half), computed again from
/// the run's own case table (docs/evaluation/cases.csv) and set manifest (reporting-set.json) by this test's code alone,
/// none of the product's: Dice as the plain mean over the lesion cases, image AUROC as the Mann–Whitney probability over
/// every lesion/healthy pair (a tie counts one half), false positives as the healthy slices' mean predicted pixels, the
/// size bins as [0, 20), [20, 60), [60, ∞) of the case's truth area, and the 95% intervals by a subject bootstrap of this
/// test's own (its own draws from another seed, twice the resamples), which can agree with the published ones only up to
/// the resampling's own noise. Users weigh a heatmap by these numbers: a wrong mean, a tie counted as a win, a case
/// bootstrap instead of a subject one (narrower) or a bin edge on the wrong side would show here.
/// </summary>
public sealed partial class ShippedReportingNumbersTests
{
    // Per-case Dice is written with 4 decimals, so a mean of them is within 0.00005 of the run's own.
    private const double MeanTolerance = 0.0006;

    [Theory]
    [InlineData("single-stage", 0.541, 0.445, 0.632, 12, 0.863, 0.809, 0.916, 2.8, 0.0, 6.7, 0.298, 0.523, 0.684)]
    [InlineData("fixed-list", 0.458, 0.383, 0.531, 4, 0.781, 0.733, 0.833, 31.8, 21.3, 44.3, 0.226, 0.436, 0.599)]
    [InlineData("adaptive", 0.539, 0.447, 0.627, 11, 0.873, 0.822, 0.922, 3.2, 0.0, 7.6, 0.233, 0.565, 0.686)]
    public void The_published_numbers_of_the_shipped_run_are_those_of_its_cases_computed_independently(
        string mode, double dice, double diceLow, double diceHigh, int missed, double auroc, double aurocLow, double aurocHigh,
        double falsePositives, double falsePositivesLow, double falsePositivesHigh, double small, double medium, double large)
    {
        var cases = Cases(mode);
        var lesions = cases.Where(c => c.Anomalous).ToList();
        var healthy = cases.Where(c => !c.Anomalous).ToList();

        Assert.Equal((58, 29), (lesions.Count, healthy.Count));
        Assert.Equal(dice, MeanDice(lesions), MeanTolerance);
        Assert.Equal(missed, lesions.Count(c => c.Predicted == 0));
        Assert.Equal(auroc, Math.Round(MannWhitney(cases), 3));
        Assert.Equal(falsePositives, Math.Round(healthy.Average(c => c.Predicted), 1));
        Assert.Equal(small, MeanDice([.. lesions.Where(c => c.Truth < 20)]), MeanTolerance);
        Assert.Equal(medium, MeanDice([.. lesions.Where(c => c.Truth is >= 20 and < 60)]), MeanTolerance);
        Assert.Equal(large, MeanDice([.. lesions.Where(c => c.Truth >= 60)]), MeanTolerance);
        Assert.Equal([14, 18, 26], new[] { lesions.Count(c => c.Truth < 20), lesions.Count(c => c.Truth is >= 20 and < 60), lesions.Count(c => c.Truth >= 60) });

        var intervals = SubjectBootstrap(cases, resamples: 4000, seed: 2027);
        AssertInterval((diceLow, diceHigh), intervals.Dice, 0.015, dice);
        AssertInterval((aurocLow, aurocHigh), intervals.Auroc, 0.015, auroc);
        AssertInterval((falsePositivesLow, falsePositivesHigh), intervals.FalsePositives, 1.0, falsePositives);
    }

    /// <summary>The published interval is this test's own within <paramref name="tolerance"/>, and holds the point estimate.</summary>
    private static void AssertInterval((double Low, double High) published, (double Low, double High) independent, double tolerance, double point)
    {
        Assert.True(Math.Abs(published.Low - independent.Low) <= tolerance && Math.Abs(published.High - independent.High) <= tolerance,
            $"published ({published.Low}-{published.High}), independent ({independent.Low:F3}-{independent.High:F3})");
        Assert.InRange(point, published.Low, published.High);
    }

    private static double MeanDice(IReadOnlyList<Case> lesions) => lesions.Average(c => c.Dice);

    /// <summary>P(a lesion case's score > a healthy case's) + ½ P(tie), over every pair.</summary>
    private static double MannWhitney(IReadOnlyList<Case> cases)
    {
        double wins = 0;
        long pairs = 0;
        foreach (var lesion in cases.Where(c => c.Anomalous))
        {
            foreach (var healthy in cases.Where(c => !c.Anomalous))
            {
                pairs++;
                wins += lesion.Predicted > healthy.Predicted ? 1 : lesion.Predicted == healthy.Predicted ? 0.5 : 0;
            }
        }

        return wins / pairs;
    }

    /// <summary>
    /// Whole subjects drawn with replacement (a subject's healthy slice and its two lesion copies together), each metric
    /// computed on the drawn cases, and NumPy's linear-interpolation 2.5th and 97.5th percentiles.
    /// </summary>
    private static ((double Low, double High) Dice, (double Low, double High) Auroc, (double Low, double High) FalsePositives) SubjectBootstrap(IReadOnlyList<Case> cases, int resamples, int seed)
    {
        var subjects = cases.GroupBy(c => c.Subject).Select(g => g.ToList()).ToList();
        var random = new Random(seed);
        var dice = new List<double>();
        var auroc = new List<double>();
        var falsePositives = new List<double>();
        for (int r = 0; r < resamples; r++)
        {
            var drawn = Enumerable.Range(0, subjects.Count).SelectMany(_ => subjects[random.Next(subjects.Count)]).ToList();
            dice.Add(MeanDice([.. drawn.Where(c => c.Anomalous)]));
            auroc.Add(MannWhitney(drawn));
            falsePositives.Add(drawn.Where(c => !c.Anomalous).Average(c => c.Predicted));
        }

        return (Percentiles(dice), Percentiles(auroc), Percentiles(falsePositives));
    }

    private static (double Low, double High) Percentiles(List<double> values)
    {
        values.Sort();
        double At(double q)
        {
            double rank = q * (values.Count - 1);
            int low = (int)Math.Floor(rank);
            return values[low] + ((rank - low) * (values[Math.Min(low + 1, values.Count - 1)] - values[low]));
        }

        return (At(0.025), At(0.975));
    }

    /// <summary>The rows of <paramref name="mode"/> in cases.csv, each with its subject from the manifest's source file.</summary>
    private static List<Case> Cases(string mode)
    {
        string folder = Path.Combine(TestPaths.RepositoryRoot, "docs", "evaluation");
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "reporting-set.json")));
        var sourceOf = manifest.RootElement.GetProperty("cases").EnumerateArray()
            .ToDictionary(c => c.GetProperty("Id").GetString()!, c => c.GetProperty("source").GetString()!, StringComparer.Ordinal);
        return [.. File.ReadLines(Path.Combine(folder, "cases.csv")).Skip(1).Select(line => line.Split(',')).Where(columns => columns[0] == mode).Select(columns =>
        {
            bool anomalous = columns[2] != "healthy";
            return new Case(
                SubjectId().Match(sourceOf[columns[1]]).Value,
                anomalous,
                int.Parse(columns[4], CultureInfo.InvariantCulture),
                long.Parse(columns[5], CultureInfo.InvariantCulture),
                anomalous ? double.Parse(columns[6], CultureInfo.InvariantCulture) : double.NaN);
        })];
    }

    private sealed record Case(string Subject, bool Anomalous, int Truth, long Predicted, double Dice);

    [GeneratedRegex("^sub-[A-Za-z0-9]+")]
    private static partial Regex SubjectId();
}
