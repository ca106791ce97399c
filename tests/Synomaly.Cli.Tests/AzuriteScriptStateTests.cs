using System.Diagnostics;
using System.Globalization;
using Azure.Storage.Blobs;
using Synomaly.Storage.Local;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>
/// What scripts/azurite.sh (which `demo` and `up` run) makes of the state an earlier Azurite left in its state folder:
/// .azurite/ sits in the repository, so its PID file outlives a reboot or a killed Azurite.
/// </summary>
public sealed class AzuriteScriptStateTests
{
    [Fact]
    public async Task A_pid_file_naming_a_process_that_is_not_this_azurite_neither_stops_a_start_nor_is_killed_by_stop()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var isolated = new IsolatedAzurite("synomaly-azurite-stale-pid");
        var environment = isolated.Environment;
        // Some other process; its output is redirected so that it holds none of the test runner's pipes.
        using var stranger = Process.Start(new ProcessStartInfo("sleep", ["600"]) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true })!;
        try
        {
            // What an Azurite stopped by a reboot leaves: its PID (now another process's, as PIDs are reused), its ports and
            // its data location, which the reboot's cleaning of /tmp removed.
            Directory.CreateDirectory(isolated.State);
            await File.WriteAllTextAsync(Path.Combine(isolated.State, "azurite.pid"), stranger.Id.ToString(CultureInfo.InvariantCulture) + "\n", cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(isolated.State, "ports"), $"{environment["AZURITE_BLOB_PORT"]} {environment["AZURITE_QUEUE_PORT"]} {environment["AZURITE_TABLE_PORT"]}\n", cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(isolated.State, "location"), Path.Combine(isolated.State, "data-removed-by-the-reboot") + "\n", cancellationToken);

            var azurite = await AzuriteScript.StartOrFindAsync(TestPaths.RepositoryRoot, environment, cancellationToken);

            Assert.True(azurite.StartedHere, "start took the stranger for a running Azurite");
            var container = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient("probe");
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            await AzuriteScript.StopAsync(TestPaths.RepositoryRoot, environment, cancellationToken);
            Assert.False(stranger.HasExited, "stop killed a process that was not its Azurite");
        }
        finally
        {
            if (!stranger.HasExited)
            {
                stranger.Kill();
            }
        }
    }

    [Fact]
    public async Task A_start_that_fails_on_its_state_folder_is_told_by_exit_code_and_the_folder_s_role_without_its_path()
    {
        // AZURITE_DIR under a file: mkdir refuses it, quoting the path, and the script's stderr was the message the command
        // line printed (folder names can carry patient names). What the script said stays in the inner exception.
        using var scratch = new ScratchDirectory("synomaly-azurite-Doe_Jane");
        Directory.CreateDirectory(scratch.Location);
        string file = Path.Combine(scratch.Location, "not-a-folder");
        await File.WriteAllTextAsync(file, "", TestContext.Current.CancellationToken);
        var environment = AzuriteScript.IsolatedEnvironment(Path.Combine(file, "state"));

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => AzuriteScript.StartAsync(TestPaths.RepositoryRoot, environment, TestContext.Current.CancellationToken));

        Assert.StartsWith("scripts/azurite.sh start failed (exit 1)", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Azurite's state folder (AZURITE_DIR", failure.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Doe_Jane", failure.Message, StringComparison.Ordinal);
        Assert.Contains("Not a directory", failure.InnerException?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_start_after_a_crash_that_finds_a_port_held_names_the_port_without_the_state_folder_s_path()
    {
        // A start on a crashed Azurite's data first says, on stderr, whose state folder it starts again, by its path; a
        // port held then failed the start with all of stderr as the message, the path included.
        var cancellationToken = TestContext.Current.CancellationToken;
        using var scratch = new ScratchDirectory("synomaly-azurite-Doe_Jane");
        string state = Path.Combine(scratch.Location, "state");
        string data = Directory.CreateDirectory(Path.Combine(scratch.Location, "data")).FullName;
        Directory.CreateDirectory(state);
        await File.WriteAllTextAsync(Path.Combine(state, "location"), data + "\n", cancellationToken);
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        int held = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;
        var environment = AzuriteScript.IsolatedEnvironment(state).Where(entry => entry.Key.StartsWith("AZURITE_", StringComparison.Ordinal)).ToDictionary();
        environment["AZURITE_BLOB_PORT"] = held.ToString(CultureInfo.InvariantCulture);
        try
        {
            var failure = await Assert.ThrowsAsync<AzuritePortInUseException>(() => AzuriteScript.StartAsync(TestPaths.RepositoryRoot, environment, cancellationToken));

            Assert.Equal($"scripts/azurite.sh start failed (exit 3): azurite: port {held} on 127.0.0.1 is already in use by another process; Azurite did not start", failure.Message);
            Assert.Contains("Doe_Jane", failure.InnerException?.Message, StringComparison.Ordinal);
        }
        finally
        {
            await AzuriteScript.StopAsync(TestPaths.RepositoryRoot, environment, CancellationToken.None);
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task An_azurite_that_ends_while_status_reads_its_command_line_is_not_running_rather_than_a_failed_question()
    {
        // Status asks `kill -0` and then reads /proc/PID/cmdline; a process that ends between the two leaves no cmdline, and
        // grep answers 2 (an unreadable file), which status passed on as its own exit code: "could not ask whether Azurite
        // still runs" instead of "Azurite stopped" (seen in CI under load, as StorageStoppedTests' start-up case failing).
        // A grep that answers 2 stands for that instant here; the PID is a live stranger so that `kill -0` passes.
        var cancellationToken = TestContext.Current.CancellationToken;
        using var scratch = new ScratchDirectory("synomaly-azurite-status-race");
        string state = Directory.CreateDirectory(Path.Combine(scratch.Location, "state")).FullName;
        string bin = Directory.CreateDirectory(Path.Combine(scratch.Location, "bin")).FullName;
        string grep = Path.Combine(bin, "grep");
        await File.WriteAllTextAsync(grep, "#!/bin/bash\nexit 2\n", cancellationToken);
        File.SetUnixFileMode(grep, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var stranger = Process.Start(new ProcessStartInfo("sleep", ["600"]) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true })!;
        try
        {
            await File.WriteAllTextAsync(Path.Combine(state, "azurite.pid"), stranger.Id.ToString(CultureInfo.InvariantCulture) + "\n", cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(state, "location"), Path.Combine(state, "data") + "\n", cancellationToken);
            var environment = AzuriteScript.IsolatedEnvironment(state).Where(entry => entry.Key.StartsWith("AZURITE_", StringComparison.Ordinal)).ToDictionary();
            environment["PATH"] = bin + ":" + System.Environment.GetEnvironmentVariable("PATH");

            Assert.False(await AzuriteScript.IsRunningAsync(TestPaths.RepositoryRoot, environment, cancellationToken));
        }
        finally
        {
            stranger.Kill();
        }
    }
}
