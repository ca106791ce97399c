namespace Synomaly.Evaluation;

/// <summary>
/// Percentile bootstrap confidence intervals (seeded): over cases, or over groups of cases that are not independent of
/// each other (the healthy slice and the lesion copies of one subject), which are resampled whole. Fewer than two units
/// give no interval (NaN, NaN), and no count of resamples left out (null): none was drawn.
/// </summary>
public static class Bootstrap
{
    /// <summary>Resamples drawn for every interval of a report.</summary>
    public const int DefaultResamples = 2000;

    /// <summary>The generator's seed, the same for every interval, so every metric sees the same draws.</summary>
    public const int DefaultSeed = 7;

    /// <summary>
    /// The interval of <paramref name="statistic"/> when whole groups are resampled: <paramref name="groupOf"/> names each
    /// case's group (its subject); a resample draws as many groups as there are, with replacement, and hands the
    /// statistic the indices of all their cases.
    /// </summary>
    public static (double Low, double High) GroupInterval(IReadOnlyList<string> groupOf, Func<int[], double> statistic, int resamples = DefaultResamples, double level = 0.95, int seed = DefaultSeed)
    {
        var (low, high, _) = GroupIntervalCounted(groupOf, statistic, resamples, level, seed);
        return (low, high);
    }

    /// <summary>
    /// <see cref="GroupInterval"/>, with how many resamples gave the statistic no value (NaN) and were left out of the
    /// percentiles: an image ranking of a resample that drew one class only has nothing to rank. A report that leaves
    /// resamples out must say how many, or an interval made of few of them passes for one made of all. Null where no
    /// resample was drawn (fewer than two groups): then nothing was left out either, and "0" would read as all kept.
    /// </summary>
    public static (double Low, double High, int? LeftOut) GroupIntervalCounted(IReadOnlyList<string> groupOf, Func<int[], double> statistic, int resamples = DefaultResamples, double level = 0.95, int seed = DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(statistic);
        return GroupIntervalsCounted(groupOf, 1, idx => [statistic(idx)], resamples, level, seed)[0];
    }

    /// <summary>
    /// <see cref="GroupInterval"/> of several statistics that one pass over a resample gives together (pixel AUROC and AP);
    /// the draws are those every other interval with the same seed uses. <paramref name="statistics"/> returns
    /// <paramref name="statisticCount"/> values, and the intervals come back in that order.
    /// </summary>
    public static IReadOnlyList<(double Low, double High)> GroupIntervals(
        IReadOnlyList<string> groupOf, int statisticCount, Func<int[], double[]> statistics, int resamples = DefaultResamples, double level = 0.95, int seed = DefaultSeed) =>
        [.. GroupIntervalsCounted(groupOf, statisticCount, statistics, resamples, level, seed).Select(i => (i.Low, i.High))];

    /// <summary>
    /// <see cref="GroupIntervals"/>, each interval with its count of resamples left out (<see cref="GroupIntervalCounted"/>).
    /// A statistic's values, and so its interval and count, are what a pass of its own over the same draws gives.
    /// </summary>
    public static IReadOnlyList<(double Low, double High, int? LeftOut)> GroupIntervalsCounted(
        IReadOnlyList<string> groupOf, int statisticCount, Func<int[], double[]> statistics, int resamples = DefaultResamples, double level = 0.95, int seed = DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(groupOf);
        ArgumentNullException.ThrowIfNull(statistics);
        var groups = Groups(groupOf);
        if (groups.Length == 0)
        {
            return [.. Enumerable.Repeat<(double, double, int?)>((double.NaN, double.NaN, null), statisticCount)];
        }

        return Intervals(groups.Length, statisticCount, drawn => statistics([.. drawn.SelectMany(g => groups[g])]), resamples, level, seed);
    }

    /// <summary>The indices of each group's cases, groups in ordinal order of their names (the draws depend on it).</summary>
    private static int[][] Groups(IReadOnlyList<string> groupOf) =>
        [.. Enumerable.Range(0, groupOf.Count).GroupBy(i => groupOf[i], StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => g.ToArray())];

    public static (double Low, double High) Interval(IReadOnlyList<double> values, int resamples = DefaultResamples, double level = 0.95, int seed = DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count == 0)
        {
            return (double.NaN, double.NaN);
        }

        return Interval(values.Count, indices => indices.Average(i => values[i]), resamples, level, seed);
    }

    /// <summary>The interval of any statistic of a resample, given as the indices drawn (for AUROC over paired cases).</summary>
    public static (double Low, double High) Interval(int count, Func<int[], double> statistic, int resamples = DefaultResamples, double level = 0.95, int seed = DefaultSeed)
    {
        ArgumentNullException.ThrowIfNull(statistic);
        var (low, high, _) = Intervals(count, 1, indices => [statistic(indices)], resamples, level, seed)[0];
        return (low, high);
    }

    /// <summary>
    /// The intervals of statistics computed together on each resample. The draws are made in order from one seeded
    /// generator, so they are the same whatever the statistics; the statistics then run in parallel (a pooled pixel
    /// ranking of a resample costs a pass over its pixels), and each one's values are sorted, so the order they finish in
    /// does not matter. Each interval comes with the count of resamples that gave its statistic no value (left out), null
    /// where none was drawn.
    /// </summary>
    private static IReadOnlyList<(double Low, double High, int? LeftOut)> Intervals(int count, int statisticCount, Func<int[], double[]> statistics, int resamples, double level, int seed)
    {
        // One unit (one subject, or one case) is drawn by every resample: the percentiles coincide, and an interval of no
        // width would claim a certainty that one subject cannot give. Not measured, as without any; nothing was resampled,
        // so nothing was left out either.
        if (count < 2)
        {
            return [.. Enumerable.Repeat<(double, double, int?)>((double.NaN, double.NaN, null), statisticCount)];
        }

        var random = new Random(seed);
        var draws = new int[resamples][];
        for (int r = 0; r < resamples; r++)
        {
            draws[r] = new int[count];
            for (int i = 0; i < count; i++)
            {
                draws[r][i] = random.Next(count);
            }
        }

        var values = new double[resamples][];
        Parallel.For(0, resamples, r =>
        {
            values[r] = statistics(draws[r]);
            if (values[r].Length != statisticCount)
            {
                throw new InvalidOperationException($"The statistics gave {values[r].Length} values, not the {statisticCount} announced.");
            }
        });
        double alpha = (1 - level) / 2;
        return [.. Enumerable.Range(0, statisticCount).Select(s =>
        {
            var finite = values.Select(v => v[s]).Where(double.IsFinite).ToList();
            int leftOut = resamples - finite.Count;
            if (finite.Count == 0)
            {
                return (double.NaN, double.NaN, (int?)leftOut);
            }

            finite.Sort();
            return (Quantile(finite, alpha), Quantile(finite, 1 - alpha), (int?)leftOut);
        })];
    }

    private static double Quantile(List<double> sorted, double q)
    {
        double position = q * (sorted.Count - 1);
        int lower = (int)Math.Floor(position);
        int upper = Math.Min(lower + 1, sorted.Count - 1);
        return sorted[lower] + ((position - lower) * (sorted[upper] - sorted[lower]));
    }
}
