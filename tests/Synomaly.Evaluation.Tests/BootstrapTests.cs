namespace Synomaly.Evaluation.Tests;

public sealed class BootstrapTests
{
    [Fact]
    public void Statistics_bootstrapped_together_get_the_intervals_each_gets_alone()
    {
        string[] subjects = ["a", "a", "b", "c", "c", "d", "e"];
        double[] values = [0.1, 0.4, 0.9, 0.3, 0.5, 0.7, 0.2];
        double Mean(int[] idx) => idx.Average(i => values[i]);
        double Largest(int[] idx) => idx.Max(i => values[i]);

        var together = Bootstrap.GroupIntervals(subjects, 2, idx => [Mean(idx), Largest(idx)]);

        Assert.Equal([Bootstrap.GroupInterval(subjects, Mean), Bootstrap.GroupInterval(subjects, Largest)], together);
        Assert.True(together[0].Low < together[0].High);
    }

    [Fact]
    public void Without_cases_every_interval_is_unmeasured()
    {
        var intervals = Bootstrap.GroupIntervals([], 2, _ => throw new InvalidOperationException("no resample to score"));

        Assert.All(intervals, i => Assert.True(double.IsNaN(i.Low) && double.IsNaN(i.High)));
        Assert.Equal(2, intervals.Count);
    }

    [Fact]
    public void One_subject_has_no_interval_rather_than_one_of_no_width()
    {
        // One patient's volume: many slices, one subject. Every resample draws that subject, so the percentiles coincide
        // and the table would print a zero-width interval, certainty the data cannot give.
        string[] oneSubject = ["sub-01", "sub-01", "sub-01", "sub-01"];
        double[] values = [0.2, 0.4, 0.6, 0.8];

        var interval = Bootstrap.GroupInterval(oneSubject, idx => idx.Average(i => values[i]));

        Assert.True(double.IsNaN(interval.Low) && double.IsNaN(interval.High), $"[{interval.Low}, {interval.High}]");
        Assert.True(double.IsNaN(Bootstrap.Interval([0.5]).Low));
    }

    [Fact]
    public void Where_nothing_is_resampled_no_resample_is_counted_as_left_out()
    {
        // Left out means drawn and without a value. One subject, or none: no resample is drawn, so there is no count,
        // for one statistic or several.
        string[] oneSubject = ["sub-01", "sub-01"];

        Assert.Equal((int?)null, Bootstrap.GroupIntervalCounted(oneSubject, _ => double.NaN).LeftOut);
        Assert.Equal((int?)null, Bootstrap.GroupIntervalCounted([], _ => double.NaN).LeftOut);
        Assert.Equal(Bootstrap.DefaultResamples, Bootstrap.GroupIntervalCounted(["a", "b"], _ => double.NaN).LeftOut);
    }
}
