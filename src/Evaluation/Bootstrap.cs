namespace Synomaly.Evaluation;

/// <summary>Percentile bootstrap confidence intervals over cases (resampling whole cases with replacement, seeded).</summary>
public static class Bootstrap
{
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
