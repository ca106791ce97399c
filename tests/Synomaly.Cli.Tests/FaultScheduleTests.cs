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
}
