using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;
using Synomaly.Storage.Local;
using Synomaly.Testing;

namespace Synomaly.Storage.Tests;

/// <summary>
/// scripts/azurite.sh start when another process holds a port: free ports are drawn by binding port 0 and closing it, so
/// two test assemblies can draw the same one, and each must then know that the Azurite answering is not its own.
/// </summary>
public sealed class AzuriteScriptTests
{
    [Fact]
    public async Task Start_fails_naming_the_port_when_another_process_holds_a_port_the_caller_chose()
    {
        using var state = new ScratchDirectory("synomaly-azurite-held");
        using var holder = HoldFreePort();
        int held = ((IPEndPoint)holder.LocalEndpoint).Port;
        var environment = AzuriteScript.IsolatedEnvironment(state.Location).Where(entry => entry.Key.StartsWith("AZURITE_", StringComparison.Ordinal)).ToDictionary();
        environment["AZURITE_QUEUE_PORT"] = held.ToString(CultureInfo.InvariantCulture);
        try
        {
            var failure = await Assert.ThrowsAsync<AzuritePortInUseException>(() => AzuriteScript.StartAsync(TestPaths.RepositoryRoot, environment, TestContext.Current.CancellationToken));
            Assert.Contains($"port {held} on 127.0.0.1 is already in use", failure.Message, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(state.Location, "azurite.pid")), "the failed start left its Azurite recorded as running");
        }
        finally
        {
            await AzuriteScript.StopAsync(TestPaths.RepositoryRoot, environment, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Start_draws_new_ports_when_another_process_took_a_drawn_port()
    {
        using var state = new ScratchDirectory("synomaly-azurite-redraw");
        var environment = AzuriteScript.IsolatedEnvironment(state.Location);
        int taken = int.Parse(environment["AZURITE_BLOB_PORT"], CultureInfo.InvariantCulture);
        using var holder = new TcpListener(IPAddress.Loopback, taken);
        holder.Start();
        try
        {
            string connectionString = await AzuriteScript.StartAsync(TestPaths.RepositoryRoot, environment, TestContext.Current.CancellationToken);
            Assert.DoesNotContain($"http://127.0.0.1:{taken}/", connectionString, StringComparison.Ordinal);
            var blobService = new BlobServiceClient(connectionString);
            await blobService.GetBlobContainerClient("probe").CreateIfNotExistsAsync(cancellationToken: TestContext.Current.CancellationToken);
        }
        finally
        {
            await AzuriteScript.StopAsync(TestPaths.RepositoryRoot, environment, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Cancelling_a_start_stops_the_azurite_it_began_and_returns_once_it_is_gone()
    {
        // The caller gives up (its test was cancelled, a timeout): the script went on, and the Azurite it started kept
        // running with nobody knowing that it was theirs to stop.
        using var state = new ScratchDirectory("synomaly-azurite-cancel");
        var environment = AzuriteScript.IsolatedEnvironment(state.Location);
        var pidFile = Path.Combine(state.Location, "azurite.pid");
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        int pid = 0;
        try
        {
            var start = AzuriteScript.StartAsync(TestPaths.RepositoryRoot, environment, cancel.Token);
            // Cancelled as soon as Azurite is launched, long before it listens.
            while (!start.IsCompleted && !(File.Exists(pidFile) && int.TryParse(await ReadOrEmptyAsync(pidFile), out pid)))
            {
                await Task.Delay(10, TestContext.Current.CancellationToken);
            }

            Assert.NotEqual(0, pid);
            await cancel.CancelAsync();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => start);
            Assert.False(IsRunning(pid), "the cancelled start left its Azurite running");
            Assert.False(File.Exists(pidFile), "the cancelled start left its Azurite recorded as running");
        }
        finally
        {
            await AzuriteScript.StopAsync(TestPaths.RepositoryRoot, environment, CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_start_after_azurite_crashed_listens_on_the_ports_given_now_not_those_of_the_crashed_one()
    {
        // A crashed Azurite leaves its data location and ports in the state folder. Its ports may be taken by now (that is
        // why a caller draws new ones), and a start that went back to them ignored what it was given.
        var cancellationToken = TestContext.Current.CancellationToken;
        using var state = new ScratchDirectory("synomaly-azurite-crashed");
        var before = AzuriteScript.IsolatedEnvironment(state.Location);
        var after = AzuriteScript.IsolatedEnvironment(state.Location);
        try
        {
            await AzuriteScript.StartAsync(TestPaths.RepositoryRoot, before, cancellationToken);
            int pid = int.Parse(await ReadOrEmptyAsync(Path.Combine(state.Location, "azurite.pid")), CultureInfo.InvariantCulture);
            using (var crashed = System.Diagnostics.Process.GetProcessById(pid))
            {
                crashed.Kill();
                await crashed.WaitForExitAsync(cancellationToken);
            }

            string connectionString = await AzuriteScript.StartAsync(TestPaths.RepositoryRoot, after, cancellationToken);

            Assert.Contains($"BlobEndpoint=http://127.0.0.1:{after["AZURITE_BLOB_PORT"]}/", connectionString, StringComparison.Ordinal);
            await new BlobServiceClient(connectionString).GetBlobContainerClient("probe").CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }
        finally
        {
            await AzuriteScript.StopAsync(TestPaths.RepositoryRoot, after, CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_restart_keeps_the_ports_of_the_running_azurite_whatever_ports_it_is_given()
    {
        // The hosts of a run hold the connection string of the Azurite that runs: a restart (a storage outage) must come
        // back where they look, even when the caller's variables name other ports (the ports first given were taken, and
        // the start drew new ones).
        var cancellationToken = TestContext.Current.CancellationToken;
        using var state = new ScratchDirectory("synomaly-azurite-restart-ports");
        var first = AzuriteScript.IsolatedEnvironment(state.Location);
        try
        {
            string connectionString = await AzuriteScript.StartAsync(TestPaths.RepositoryRoot, first, cancellationToken);

            string restarted = await AzuriteScript.RestartAsync(TestPaths.RepositoryRoot, AzuriteScript.IsolatedEnvironment(state.Location), cancellationToken);

            Assert.Equal(connectionString, restarted);
        }
        finally
        {
            await AzuriteScript.StopAsync(TestPaths.RepositoryRoot, first, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Azurites_log_starts_fresh_with_each_new_azurite_and_marks_every_start_of_one()
    {
        // The log in the state folder grew across every Azurite it ever ran, with nothing marking where one began. A new
        // Azurite (fresh data) now starts a fresh log, the previous one kept beside it; a restart, or a start after a
        // crash, goes on in the same log after a line saying so, so that the lines before the outage stay readable.
        var cancellationToken = TestContext.Current.CancellationToken;
        using var state = new ScratchDirectory("synomaly-azurite-log");
        var environment = AzuriteScript.IsolatedEnvironment(state.Location);
        string log = Path.Combine(state.Location, "azurite.log");
        string previous = Path.Combine(state.Location, "azurite.previous.log");
        try
        {
            await AzuriteScript.StartAsync(TestPaths.RepositoryRoot, environment, cancellationToken);
            await AzuriteScript.RestartAsync(TestPaths.RepositoryRoot, environment, cancellationToken);
            Assert.Equal(2, await StartLinesAsync(log));

            await AzuriteScript.StopAsync(TestPaths.RepositoryRoot, environment, cancellationToken);
            await AzuriteScript.StartAsync(TestPaths.RepositoryRoot, environment, cancellationToken);

            Assert.Equal(1, await StartLinesAsync(log));
            Assert.Equal(2, await StartLinesAsync(previous));
        }
        finally
        {
            await AzuriteScript.StopAsync(TestPaths.RepositoryRoot, environment, CancellationToken.None);
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Start_waits_for_a_launch_that_has_not_yet_become_azurite()
    {
        // Between bash forking the background launch and its exec of setsid and node, the recorded PID is alive but its
        // command line is still the script's, which names no data location: a wait loop that looked then (a loaded
        // machine) took it for an Azurite that had died and failed the start with an empty log. A setsid that takes a
        // second before it execs the real one (the PID stays the same) holds that window open.
        using var state = new ScratchDirectory("synomaly-azurite-slow-launch");
        using var tools = new ScratchDirectory("synomaly-azurite-slow-setsid");
        string realSetsid = new[] { "/usr/bin/setsid", "/bin/setsid" }.First(File.Exists);
        Directory.CreateDirectory(tools.Location);
        string slowSetsid = Path.Combine(tools.Location, "setsid");
        File.WriteAllText(slowSetsid, $$"""
            #!/bin/bash
            printf '%s\0' "$@" >"$0.args"
            exec bash -c 'sleep 1; mapfile -d "" args <"$1"; exec {{realSetsid}} "${args[@]}"' slow-setsid "$0.args"

            """);
        File.SetUnixFileMode(slowSetsid, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var environment = AzuriteScript.IsolatedEnvironment(state.Location);
        environment["PATH"] = tools.Location + ":" + Environment.GetEnvironmentVariable("PATH");
        try
        {
            string connectionString = await AzuriteScript.StartAsync(TestPaths.RepositoryRoot, environment, TestContext.Current.CancellationToken);
            await new BlobServiceClient(connectionString).GetBlobContainerClient("probe").CreateIfNotExistsAsync(cancellationToken: TestContext.Current.CancellationToken);
        }
        finally
        {
            await AzuriteScript.StopAsync(TestPaths.RepositoryRoot, environment, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Status_that_cannot_run_is_an_error_not_an_azurite_that_stopped()
    {
        // A local run asks status when a storage call fails; a script that could not run (exit 127 here: no script) was
        // read as "not running", so the run reported a stopped emulator instead of the script's own failure.
        using var root = new ScratchDirectory("synomaly-azurite-no-script");
        Directory.CreateDirectory(root.Location);
        var environment = AzuriteScript.IsolatedEnvironment(Path.Combine(root.Location, ".azurite"));

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => AzuriteScript.IsRunningAsync(root.Location, environment, TestContext.Current.CancellationToken));

        Assert.Contains("scripts/azurite.sh status failed (exit 127)", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_of_a_state_folder_whose_azurite_never_ran_is_not_running()
    {
        using var state = new ScratchDirectory("synomaly-azurite-never-ran");

        Assert.False(await AzuriteScript.IsRunningAsync(TestPaths.RepositoryRoot, AzuriteScript.IsolatedEnvironment(state.Location), TestContext.Current.CancellationToken));
    }

    private static async Task<int> StartLinesAsync(string log) =>
        File.Exists(log) ? (await File.ReadAllLinesAsync(log, TestContext.Current.CancellationToken)).Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^=== \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ azurite (start|restart) on ports \d+ \d+ \d+ ===$")) : 0;

    private static async Task<string> ReadOrEmptyAsync(string path)
    {
        try
        {
            return (await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken)).Trim();
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static TcpListener HoldFreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return listener;
    }
}
