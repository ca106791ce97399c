using Synomaly.Cli.Local;
using Synomaly.Contracts;

namespace Synomaly.Cli.Tests;

/// <summary>
/// The local pipeline stops its hosts with SIGTERM and kills them after a deadline. That deadline was a fixed 15 s while
/// the trigger host waits 30 s for its running functions (and the worker its jobs' deadline plus 15 s), so a host still
/// finishing a function was killed mid-way by the stop meant to let it finish.
/// </summary>
public sealed class ManagedProcessKillDeadlineTests
{
    [Fact]
    public void The_trigger_host_is_killed_only_after_its_own_stop_timeout_has_run_out()
    {
        Assert.True(
            ManagedProcess.KillDeadlineFor(HostShutdown.TriggerHostStopTimeout) > HostShutdown.TriggerHostStopTimeout,
            $"killed {ManagedProcess.KillDeadlineFor(HostShutdown.TriggerHostStopTimeout).TotalSeconds} s after SIGTERM");
    }

    [Theory]
    [InlineData(null, LocalPipeline.WorkerShutdownDeadlineSeconds)]
    [InlineData("300", 300)]
    [InlineData(" 300 ", 300)] // read as the worker's configuration binder reads an int (its TypeConverter), which trims
    [InlineData("+300", 300)]
    public void The_worker_is_killed_only_after_its_jobs_deadline_and_its_hosts_margin_have_run_out(string? deadlineOverride, int deadlineSeconds)
    {
        var settings = new Dictionary<string, string> { ["Worker__ShutdownDeadlineSeconds"] = LocalPipeline.WorkerShutdownDeadlineSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (deadlineOverride is not null)
        {
            settings["Worker__ShutdownDeadlineSeconds"] = deadlineOverride;
        }

        var workerStopTimeout = HostShutdown.WorkerStopTimeout(TimeSpan.FromSeconds(deadlineSeconds));
        Assert.Equal(workerStopTimeout, LocalPipeline.WorkerStopTimeout(settings));
        Assert.True(
            ManagedProcess.KillDeadlineFor(LocalPipeline.WorkerStopTimeout(settings)) > workerStopTimeout,
            $"killed {ManagedProcess.KillDeadlineFor(LocalPipeline.WorkerStopTimeout(settings)).TotalSeconds} s after SIGTERM");
    }

    /// <summary>
    /// After Ctrl-C the runner waits its grace period for demo or soak to stop the worker, the trigger host and Azurite one
    /// after another; when kill deadlines grew to follow each host's own stop timeout, their sum (95 s) passed the 60 s grace
    /// period, and a stuck stop would have returned with Azurite, and maybe the trigger host, still running.
    /// </summary>
    [Fact]
    public void The_runner_waits_longer_after_a_signal_than_the_local_pipeline_takes_to_stop_at_worst()
    {
        Assert.True(
            CommandRunner.GracePeriod > LocalPipeline.LongestCleanStop,
            $"grace period {CommandRunner.GracePeriod.TotalSeconds} s, slowest clean stop {LocalPipeline.LongestCleanStop.TotalSeconds} s");
    }
}
