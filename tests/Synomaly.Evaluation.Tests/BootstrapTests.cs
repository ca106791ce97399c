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
}
