using Synomaly.Cli.Reliability;

namespace Synomaly.Cli.Tests;

public sealed class FaultScheduleTests
{
    [Fact]
    public void The_same_seed_draws_the_same_faults_in_order_inside_the_run()
    {
        var a = FaultSchedule.Draw(1000, 10, 1, 7);
        var b = FaultSchedule.Draw(1000, 10, 1, 7);
        Assert.Equal(a, b);
        Assert.Equal(10, a.Count(f => f.Kind == FaultKind.WorkerKill));
        var restart = Assert.Single(a, f => f.Kind == FaultKind.StorageRestart);
        Assert.InRange(restart.AfterFinishedJobs, 300, 700);
        Assert.All(a, f => Assert.InRange(f.AfterFinishedJobs, 50, 900));
        Assert.Equal(a.OrderBy(f => f.AfterFinishedJobs).Select(f => f.AfterFinishedJobs), a.Select(f => f.AfterFinishedJobs));
    }

    [Fact]
    public void Another_seed_draws_other_moments()
    {
        Assert.NotEqual(FaultSchedule.Draw(1000, 10, 1, 7), FaultSchedule.Draw(1000, 10, 1, 8));
    }

    [Theory]
    [InlineData(31, 2, 1)]
    [InlineData(16, 2, 1)]
    [InlineData(1000, 10, 1)]
    public void Uploads_are_held_back_so_that_the_run_outlasts_its_last_fault_with_a_job_in_flight(int jobs, int kills, int restarts)
    {
        for (int seed = 0; seed < 200; seed++)
        {
            var faults = FaultSchedule.Draw(jobs, kills, restarts, seed);
            int first = FaultSchedule.UploadsBeforeFaults(jobs, faults);

            // The finished count can pass the last fault's moment with at least one uploaded job still going ...
            Assert.True(first > faults.Max(f => f.AfterFinishedJobs), $"seed {seed}: {first} uploads cannot outlast the last fault");

            // ... and at least one upload waits, so the run cannot end before every fault is in.
            Assert.True(first < jobs, $"seed {seed}: nothing held back");
        }
    }

    [Fact]
    public void Without_faults_nothing_is_held_back()
    {
        Assert.Equal(12, FaultSchedule.UploadsBeforeFaults(12, []));
    }
}
