namespace Synomaly.Evaluation;

/// <summary>
/// Percentile bootstrap confidence intervals (seeded): over cases, or over groups of cases that are not independent of
/// each other (the healthy slice and the lesion copies of one subject), which are resampled whole.
/// </summary>
public static class Bootstrap
{
    /// <summary>
    /// The interval of <paramref name="statistic"/> when whole groups are resampled: <paramref name="groupOf"/> names each
    /// case's group (its subject); a resample draws as many groups as there are, with replacement, and hands the
    /// statistic the indices of all their cases.
    /// </summary>
    public static (double Low, double High) GroupInterval(IReadOnlyList<string> groupOf, Func<int[], double> statistic, int resamples = 2000, double level = 0.95, int seed = 7)
    {
        ArgumentNullException.ThrowIfNull(groupOf);
        ArgumentNullException.ThrowIfNull(statistic);
        var groups = Enumerable.Range(0, groupOf.Count).GroupBy(i => groupOf[i], StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.ToArray()).ToArray();
        if (groups.Length == 0)
        {
            return (double.NaN, double.NaN);
        }

        return Interval(groups.Length, drawn => statistic([.. drawn.SelectMany(g => groups[g])]), resamples, level, seed);
    }

    public static (double Low, double High) Interval(IReadOnlyList<double> values, int resamples = 2000, double level = 0.95, int seed = 7)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return (double.NaN, double.NaN);
        }

        return Interval(values.Count, indices => indices.Average(i => values[i]), resamples, level, seed);
    }

    /// <summary>The interval of any statistic of a resample, given as the indices drawn (for AUROC over paired cases).</summary>
    public static (double Low, double High) Interval(int count, Func<int[], double> statistic, int resamples = 2000, double level = 0.95, int seed = 7)
    {
        ArgumentNullException.ThrowIfNull(statistic);
        var random = new Random(seed);
        var stats = new List<double>(resamples);
        var indices = new int[count];
        for (int r = 0; r < resamples; r++)
        {
            for (int i = 0; i < count; i++)
            {
                indices[i] = random.Next(count);
            }

            double s = statistic(indices);
            if (double.IsFinite(s))
            {
                stats.Add(s);
            }
        }

        if (stats.Count == 0)
        {
            return (double.NaN, double.NaN);
        }

        stats.Sort();
        double alpha = (1 - level) / 2;
        return (Quantile(stats, alpha), Quantile(stats, 1 - alpha));
    }

    private static double Quantile(List<double> sorted, double q)
    {
        double position = q * (sorted.Count - 1);
        int lower = (int)Math.Floor(position);
        int upper = Math.Min(lower + 1, sorted.Count - 1);
        return sorted[lower] + ((position - lower) * (sorted[upper] - sorted[lower]));
    }
}
