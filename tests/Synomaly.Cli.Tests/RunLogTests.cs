using Synomaly.Cli.Local;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>
/// The trigger host's and the worker's logs (out/demo/logs) used to grow across runs: a user reading devhost.log after a
/// failure met every earlier run's lines first, with nothing marking where this run began. Each run now starts fresh logs,
/// the previous run's kept beside them, and every start of a host (a restarted worker too) opens with a line saying so.
/// </summary>
public sealed class RunLogTests
{
    [Fact]
    public async Task A_new_run_starts_an_empty_log_and_keeps_only_the_previous_runs_beside_it()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var work = new ScratchDirectory("synomaly-run-log");
        Directory.CreateDirectory(work.Location);
        string log = Path.Combine(work.Location, "devhost.log");
        string previous = Path.Combine(work.Location, "devhost" + RunLog.PreviousSuffix);
        await File.WriteAllTextAsync(previous, "the run before last\n", cancellationToken);
        await File.WriteAllTextAsync(log, "the last run\n", cancellationToken);

        RunLog.StartFresh(log);

        Assert.False(File.Exists(log), "the new run's log still holds the last run's lines");
        Assert.Equal("the last run\n", await File.ReadAllTextAsync(previous, cancellationToken));
    }

    [Fact]
    public void The_first_run_has_nothing_to_keep()
    {
        using var work = new ScratchDirectory("synomaly-run-log-first");
        string log = Path.Combine(work.Location, "logs", "worker.log");

        RunLog.StartFresh(log);

        Assert.False(File.Exists(Path.Combine(work.Location, "logs", "worker" + RunLog.PreviousSuffix)));
    }

    [Fact]
    public async Task Each_start_of_a_host_opens_with_a_line_naming_it_and_a_restart_appends_to_the_same_log()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var work = new ScratchDirectory("synomaly-run-log-starts");
        Directory.CreateDirectory(work.Location);
        // Not an assembly: the runtime refuses it and the child ends at once, after its start line.
        string assembly = Path.Combine(work.Location, "Synomaly.FakeHost.dll");
        await File.WriteAllTextAsync(assembly, "not an assembly", cancellationToken);
        string log = Path.Combine(work.Location, "logs", "host.log");

        foreach (var _ in new[] { "start", "restart" })
        {
            await using var child = ManagedProcess.Start(assembly, new Dictionary<string, string>(), log, TimeSpan.FromSeconds(10));
            for (int waited = 0; !child.HasExited && waited < 300; waited++)
            {
                await Task.Delay(100, cancellationToken);
            }
        }

        var starts = (await File.ReadAllLinesAsync(log, cancellationToken)).Where(l => l.StartsWith("=== ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, starts.Count);
        Assert.All(starts, line => Assert.Matches(@"^=== \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ Synomaly\.FakeHost started \(PID \d+\) ===$", line));
    }
}
