using System.Diagnostics;
using System.Globalization;
using Synomaly.Cli.Local;
using Synomaly.Storage.Local;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>
/// A demo or up killed without cleanup (SIGKILL, the OOM killer) leaves its hosts and Azurite running; the next start on the
/// same Azurite state folder stops them, but never a process that merely reuses a recorded PID, nor those of a run still going.
/// The record is written here by hand, in the documented format, as the killed run would have left it.
/// </summary>
public sealed class LeftoverRunTests
{
    private const string RecordFile = "local-run.pids";

    [Fact]
    public async Task A_host_that_a_killed_run_left_running_is_stopped_when_the_next_run_starts()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var state = new ScratchDirectory("synomaly-leftover-host");
        using var host = Sleeper();
        await WriteRecordAsync(state.Location, $"run {DeadPid()} 1 synomaly", $"child {host.Id} {StartTicks(host.Id)} trigger host");

        await StartAndStopAsync(state.Location, cancellationToken);

        Assert.True(host.WaitForExit(TimeSpan.FromSeconds(10)), "the trigger host the killed run left is still running");
        Assert.False(File.Exists(Path.Combine(state.Location, RecordFile)), "the leftover record was not replaced");
    }

    [Fact]
    public async Task A_recorded_pid_that_now_names_another_process_is_left_alone()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var state = new ScratchDirectory("synomaly-leftover-reused");
        using var stranger = Sleeper();
        await WriteRecordAsync(state.Location, $"run {DeadPid()} 1 synomaly", $"child {stranger.Id} {StartTicks(stranger.Id) - 1} GPU worker");

        await StartAndStopAsync(state.Location, cancellationToken);

        Assert.False(stranger.HasExited, "a process that only reuses a recorded PID was killed");
        stranger.Kill();
    }

    [Fact]
    public async Task A_run_still_going_is_neither_stopped_nor_joined_by_the_next_run()
    {
        // Its record names a live run (one whose lock cannot be seen, as a CLI of an earlier version held none): the next
        // run is refused, its hosts go on and its record stays.
        var cancellationToken = TestContext.Current.CancellationToken;
        using var state = new ScratchDirectory("synomaly-leftover-live");
        using var host = Sleeper();
        await WriteRecordAsync(state.Location, $"run {Environment.ProcessId} {StartTicks(Environment.ProcessId)} synomaly", $"child {host.Id} {StartTicks(host.Id)} trigger host");

        try
        {
            await Assert.ThrowsAsync<LocalRunInProgressException>(() => StartAndStopAsync(state.Location, cancellationToken));

            Assert.False(host.HasExited, "the host of a run that is still going was killed");
            Assert.True(File.Exists(Path.Combine(state.Location, RecordFile)), "the record of a run still going was removed");
        }
        finally
        {
            host.Kill();
        }
    }

    [Fact]
    public async Task A_run_still_going_is_told_by_the_state_folder_s_role_never_its_path()
    {
        // The refusal quoted the state folder's full path, and AZURITE_DIR may be any folder the user chose.
        using var state = new ScratchDirectory("synomaly-leftover-Doe_Jane");
        await WriteRecordAsync(state.Location, $"run {Environment.ProcessId} {StartTicks(Environment.ProcessId)} synomaly");

        var refused = await Assert.ThrowsAsync<LocalRunInProgressException>(() => LocalRunRecord.StopLeftoversAsync(state.Location, () => Task.CompletedTask, TextWriter.Null));

        Assert.Contains($"(synomaly, PID {Environment.ProcessId}) is using this run's Azurite state folder (AZURITE_DIR: by default .azurite in the repository; azurite under --out for soak)", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Doe_Jane", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_azurite_a_killed_run_started_is_stopped_not_reused()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var state = new ScratchDirectory("synomaly-leftover-azurite");
        var script = AzuriteScript.IsolatedEnvironment(state.Location);
        await AzuriteScript.StartAsync(TestPaths.RepositoryRoot, script, cancellationToken);
        try
        {
            await WriteRecordAsync(state.Location, $"run {DeadPid()} 1 synomaly", "azurite");

            await using var environment = await LocalEnvironment.StartAsync(TestPaths.RepositoryRoot, script, cancellationToken);

            Assert.True(environment.StartedAzurite, "the killed run's Azurite was reused (its old hosts' jobs and all)");
        }
        finally
        {
            await AzuriteScript.StopAsync(TestPaths.RepositoryRoot, script, CancellationToken.None);
        }
    }

    private static async Task StartAndStopAsync(string state, CancellationToken cancellationToken)
    {
        var script = AzuriteScript.IsolatedEnvironment(state);
        await using var environment = await LocalEnvironment.StartAsync(TestPaths.RepositoryRoot, script, cancellationToken);
    }

    private static Task WriteRecordAsync(string state, params string[] lines)
    {
        Directory.CreateDirectory(state);
        return File.WriteAllLinesAsync(Path.Combine(state, RecordFile), lines, TestContext.Current.CancellationToken);
    }

    private static Process Sleeper() => Process.Start("sleep", "600");

    /// <summary>The PID of a process that has ended (PIDs are not reused this soon).</summary>
    private static int DeadPid()
    {
        using var process = Process.Start("true");
        process.WaitForExit();
        return process.Id;
    }

    /// <summary>Field 22 of /proc/PID/stat, counted after the command name's closing parenthesis.</summary>
    private static long StartTicks(int pid)
    {
        string stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        return long.Parse(stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[19], CultureInfo.InvariantCulture);
    }
}
