using System.Diagnostics;
using Synomaly.Cli.Local;
using Synomaly.Contracts;
using Synomaly.Diffusion.Weights;
using Synomaly.Storage.Local;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>
/// `synomaly demo --keep` leaves its trigger host and worker running for the user. A later demo on the same Azurite state
/// folder used to start beside them: the same Azurite and queues, so the kept hosts took its jobs. It is now refused
/// before anything starts, naming the kept hosts and how to stop them; once they have ended it starts as before. The
/// kept hosts are stand-ins (sleep) recorded as the kept run records them.
/// </summary>
public sealed class KeptHostsTests
{
    [Fact]
    public async Task A_later_pipeline_run_is_refused_while_a_kept_demo_s_hosts_still_run_naming_them_and_how_to_stop_them()
    {
        using var state = new ScratchDirectory("synomaly-kept-hosts");
        using var triggerHost = Sleeper();
        using var worker = Sleeper();
        KeptHosts.Record(state.Location, [("trigger host", triggerHost.Id), ("GPU worker", worker.Id)]);
        try
        {
            var refused = await Assert.ThrowsAsync<KeptHostsRunningException>(() => LocalPipeline.StartAsync(Settings(state.Location), TestContext.Current.CancellationToken));

            Assert.Contains($"the trigger host (PID {triggerHost.Id}) and the GPU worker (PID {worker.Id})", refused.Message, StringComparison.Ordinal);
            Assert.Contains($"kill {triggerHost.Id} {worker.Id}", refused.Message, StringComparison.Ordinal);
            Assert.Contains("scripts/azurite.sh stop", refused.Message, StringComparison.Ordinal);
            // Kept on purpose: refused, never stopped behind the user's back; and nothing was started for this run.
            Assert.False(triggerHost.HasExited || worker.HasExited, "a kept host was stopped");
            Assert.False(File.Exists(Path.Combine(state.Location, LocalRunRecord.FileName)), "the refused run started a record (and Azurite)");
        }
        finally
        {
            triggerHost.Kill();
            worker.Kill();
        }
    }

    [Fact]
    public async Task A_pipeline_kept_as_demo_keep_keeps_it_is_found_by_the_next_start_on_its_state_folder()
    {
        // The real thing: Azurite, the trigger host and the worker started, then kept as `demo --keep` keeps them.
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var azurite = new IsolatedAzurite("synomaly-kept-pipeline", "azurite");
        string model = TinyModelPackage.Save(Path.Combine(azurite.Work, "model"), "kept-tiny", ModalityNames.BrainMri);
        var settings = new LocalPipelineSettings
        {
            RepositoryRoot = TestPaths.RepositoryRoot, ModelDirectory = model, LogDirectory = Path.Combine(azurite.Work, "logs"), Device = "cpu", AzuriteEnvironment = azurite.Environment,
        };
        var pipeline = await LocalPipeline.StartAsync(settings, cancellationToken);
        pipeline.Keep();
        try
        {
            LocalPipeline? second = null;
            var failure = await Record.ExceptionAsync(async () => second = await LocalPipeline.StartAsync(settings, cancellationToken));
            if (second is not null)
            {
                // Started beside the kept hosts (the failure this test is for): stopped, so that it leaves nothing running.
                await second.DisposeAsync();
            }

            var refused = Assert.IsType<KeptHostsRunningException>(failure);
            Assert.Contains($"the trigger host (PID {pipeline.DevHost.Id}) and the GPU worker (PID {pipeline.Worker.Id})", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            // The user's part after --keep: kill the hosts (Azurite is stopped with the isolated folder).
            await pipeline.Worker.DisposeAsync();
            await pipeline.DevHost.DisposeAsync();
        }

        Assert.Empty(KeptHosts.StillRunning(azurite.State));
    }

    [Fact]
    public async Task A_run_that_kept_its_hosts_after_a_second_run_looked_for_kept_hosts_is_still_found_under_the_state_folder_lock()
    {
        // Two demos started at once: the second looked for kept hosts before it took the state folder, so the first could
        // keep its hosts and hand the folder on in between, and the second started beside them, on their Azurite and
        // queues. Here the second is held in that gap, reading its model card from a pipe, while the first (this test:
        // its lock, then its kept stand-in hosts) keeps its hosts and lets go of the folder.
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var azurite = new IsolatedAzurite("synomaly-kept-race", "azurite");
        string model = TinyModelPackage.Save(Path.Combine(azurite.Work, "model"), "kept-race", ModalityNames.BrainMri);
        string cardPath = Path.Combine(model, ModelPackage.CardFile);
        string card = File.ReadAllText(cardPath);
        File.Delete(cardPath);
        using (var mkfifo = Process.Start("mkfifo", [cardPath]))
        {
            await mkfifo.WaitForExitAsync(cancellationToken);
            Assert.Equal(0, mkfifo.ExitCode);
        }

        var settings = new LocalPipelineSettings
        {
            RepositoryRoot = TestPaths.RepositoryRoot, ModelDirectory = model, LogDirectory = Path.Combine(azurite.Work, "logs"), Device = "cpu", AzuriteEnvironment = azurite.Environment,
        };
        using var triggerHost = Sleeper();
        using var worker = Sleeper();
        var first = LocalRunLock.TryAcquire(azurite.State);
        Assert.NotNull(first);
        LocalPipeline? second = null;
        try
        {
            var secondStart = Task.Run(async () => second = await LocalPipeline.StartAsync(settings, cancellationToken), cancellationToken);
            // Opening the pipe to write waits for its reader: the second run has passed its first look by then.
            var opening = Task.Run(() => new FileStream(cardPath, FileMode.Open, FileAccess.Write), cancellationToken);
            if (await Task.WhenAny(opening, secondStart) != opening)
            {
                // Ended without reading its card: a reader of the test's own lets the waiting open return.
                using (new FileStream(cardPath, FileMode.Open, FileAccess.Read))
                {
                    (await opening).Dispose();
                }

                await secondStart;
                Assert.Fail("the second run ended before it read its model card");
            }

            using (var pipe = await opening)
            {
                KeptHosts.Record(azurite.State, [("trigger host", triggerHost.Id), ("GPU worker", worker.Id)]);
                first.Dispose();
                pipe.Write(System.Text.Encoding.UTF8.GetBytes(card));
            }

            var failure = await Record.ExceptionAsync(() => secondStart);

            var refused = Assert.IsType<KeptHostsRunningException>(failure);
            Assert.Contains($"the trigger host (PID {triggerHost.Id}) and the GPU worker (PID {worker.Id})", refused.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(azurite.State, LocalRunRecord.FileName)), "the refused run started a record (and Azurite)");
            // Refused runs hand the folder back: the next run, once the kept hosts are stopped, can take it.
            using var next = LocalRunLock.TryAcquire(azurite.State);
            Assert.NotNull(next);
        }
        finally
        {
            first.Dispose();
            if (second is not null)
            {
                // Started beside the kept hosts (the failure this test is for): stopped, so that it leaves nothing running.
                await second.DisposeAsync();
            }

            triggerHost.Kill();
            worker.Kill();
        }
    }

    [Fact]
    public async Task A_look_made_before_the_state_folder_is_held_leaves_in_place_a_record_the_run_holding_it_writes_meanwhile()
    {
        // The first look (before the lock) read a record of hosts that had ended and removed it; the run holding the folder
        // could keep its hosts in between, and the removal took their new record, so that the next run started beside
        // them. Held here in between: the record the look reads is a pipe, replaced by the kept run's record while the
        // look is still reading the pipe. The run holding the folder is this test (its lock, then its kept stand-ins).
        var cancellationToken = TestContext.Current.CancellationToken;
        using var state = new ScratchDirectory("synomaly-kept-hosts-unheld-look");
        Directory.CreateDirectory(state.Location);
        string recordPath = Path.Combine(state.Location, KeptHosts.FileName);
        ProcessIdentity ended;
        using (var earlier = Sleeper())
        {
            ended = ProcessIdentity.Of(earlier.Id)!;
            earlier.Kill();
            await earlier.WaitForExitAsync(cancellationToken);
        }

        using (var mkfifo = Process.Start("mkfifo", [recordPath]))
        {
            await mkfifo.WaitForExitAsync(cancellationToken);
            Assert.Equal(0, mkfifo.ExitCode);
        }

        using var triggerHost = Sleeper();
        using var worker = Sleeper();
        using var holding = LocalRunLock.TryAcquire(state.Location);
        Assert.NotNull(holding);
        try
        {
            var start = Task.Run(() => LocalPipeline.StartAsync(Settings(state.Location), cancellationToken), cancellationToken);
            // Opening the pipe to write waits for its reader: the look has opened the record by then.
            var opening = Task.Run(() => new FileStream(recordPath, FileMode.Open, FileAccess.Write), cancellationToken);
            if (await Task.WhenAny(opening, start) != opening)
            {
                // Ended without reading the record: a reader of the test's own lets the waiting open return.
                using (new FileStream(recordPath, FileMode.Open, FileAccess.Read))
                {
                    (await opening).Dispose();
                }

                Assert.Fail($"the run ended before it read the kept hosts' record: {await Record.ExceptionAsync(() => start)}");
            }

            using (var pipe = await opening)
            {
                pipe.Write(System.Text.Encoding.UTF8.GetBytes(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{ended.Pid} {ended.StartTicks} trigger host\n")));
                KeptHosts.Record(state.Location, [("trigger host", triggerHost.Id), ("GPU worker", worker.Id)]);
            }

            // The run goes past the ended host to its next check: the model folder, which does not exist here.
            var failure = await Record.ExceptionAsync(() => start);

            Assert.NotNull(failure);
            Assert.IsNotType<KeptHostsRunningException>(failure);
            Assert.Equal([("trigger host", triggerHost.Id), ("GPU worker", worker.Id)], KeptHosts.StillRunning(state.Location));
        }
        finally
        {
            triggerHost.Kill();
            worker.Kill();
        }
    }

    [Fact]
    public async Task Once_the_kept_hosts_have_ended_the_run_goes_on_and_their_record_is_dropped_once_the_folder_is_held()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var azurite = new IsolatedAzurite("synomaly-kept-hosts-ended", "azurite");
        using var host = Sleeper();
        KeptHosts.Record(azurite.State, [("trigger host", host.Id)]);
        host.Kill();
        await host.WaitForExitAsync(cancellationToken);
        string recordPath = Path.Combine(azurite.State, KeptHosts.FileName);

        // The first look goes past the ended host to the next check: the model folder, which does not exist here. Without
        // the folder held, it leaves the record as it found it.
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => LocalPipeline.StartAsync(Settings(azurite.State) with { AzuriteEnvironment = azurite.Environment }, cancellationToken));
        Assert.IsNotType<KeptHostsRunningException>(failure);
        Assert.True(File.Exists(recordPath), "a look without the state folder removed the kept hosts' record");

        // The look that holds the folder (as a pipeline run's environment starts) goes on and drops it.
        await using (await LocalEnvironment.StartAsync(TestPaths.RepositoryRoot, azurite.Environment, refuseBesideKeptHosts: true, cancellationToken))
        {
            Assert.False(File.Exists(recordPath), "the record of hosts that have ended was kept");
        }
    }

    [Fact]
    public async Task A_kept_host_that_was_killed_but_not_yet_reaped_no_longer_counts_as_running()
    {
        // The kept hosts outlive the CLI that started them, so their parent becomes PID 1; where that does not reap (a
        // container whose PID 1 is sleep infinity, a docker exec'd demo) a killed host stays a zombie. Its /proc entry,
        // start time included, is still there: it counted as running, and every later demo was refused with a kill that
        // cannot end it. Here a sleep that never reaps is the parent.
        using var state = new ScratchDirectory("synomaly-kept-hosts-zombie");
        using var parent = Process.Start(new ProcessStartInfo("bash", ["-c", "sleep 600 & echo $!; exec sleep 600"]) { RedirectStandardOutput = true })!;
        try
        {
            int host = int.Parse((await parent.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken))!, System.Globalization.CultureInfo.InvariantCulture);
            KeptHosts.Record(state.Location, [("GPU worker", host)]);
            Assert.Single(KeptHosts.StillRunning(state.Location));
            // Killed while the parent is still bash (between its echo and its exec), the host is reaped by bash and leaves
            // no zombie to look at: wait for the exec first.
            await Until(() => File.ReadAllText($"/proc/{parent.Id}/comm").Trim() == "sleep", "the parent to become sleep");
            using (var killed = Process.GetProcessById(host))
            {
                killed.Kill();
            }

            await Until(() => File.ReadAllText($"/proc/{host}/stat").Contains(") Z ", StringComparison.Ordinal), "the host to be a zombie");

            Assert.Empty(KeptHosts.StillRunning(state.Location));
            KeptHosts.ThrowIfRunning(state.Location, folderHeld: true);
            Assert.False(File.Exists(Path.Combine(state.Location, KeptHosts.FileName)), "the record of a host that has ended was kept");
        }
        finally
        {
            parent.Kill();
        }
    }

    private static LocalPipelineSettings Settings(string state) => new()
    {
        RepositoryRoot = TestPaths.RepositoryRoot,
        ModelDirectory = Path.Combine(state, "no-model"),
        LogDirectory = Path.Combine(state, "logs"),
        Device = "cpu",
        AzuriteEnvironment = AzuriteScript.IsolatedEnvironment(state),
    };

    private static async Task Until(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }
    }

    private static Process Sleeper() => Process.Start("sleep", "600");
}
