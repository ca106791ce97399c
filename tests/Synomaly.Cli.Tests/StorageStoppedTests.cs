using System.Globalization;
using Synomaly.Cli.Local;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>
/// Azurite dying while a demo runs: the run used to end on the Azure SDK's "Connection refused", naming neither the storage
/// emulator nor its log. Now it says that the local storage emulator stopped, and where its log is; a failure while
/// Azurite still runs is told as it is.
/// </summary>
public sealed class StorageStoppedTests
{
    private sealed class HostGoneException : Exception;

    [Fact]
    public async Task An_upload_after_azurite_died_fails_saying_the_storage_emulator_stopped_and_naming_its_log()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var azurite = new IsolatedAzurite("synomaly-storage-stopped-upload");
        await using var environment = await LocalEnvironment.StartAsync(TestPaths.RepositoryRoot, azurite.Environment, cancellationToken);
        var run = new DemoRun(environment.ConnectionString, "v1", () => { }, e => environment.ThrowIfStorageStoppedAsync("while the demo ran", e));
        await KillAzuriteAsync(azurite.State, cancellationToken);

        var stopped = await Assert.ThrowsAsync<LocalStorageStoppedException>(() => run.UploadAsync([1, 2, 3], ".png", cancellationToken));

        Assert.Equal("the local storage emulator (Azurite) stopped while the demo ran; see azurite.log in this run's Azurite state folder (AZURITE_DIR: by default .azurite in the repository; azurite under --out for soak)", stopped.Message);
        Assert.NotNull(stopped.InnerException);
    }

    [Fact]
    public async Task Waiting_for_jobs_after_azurite_died_fails_saying_the_storage_emulator_stopped()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var azurite = new IsolatedAzurite("synomaly-storage-stopped-wait");
        await using var environment = await LocalEnvironment.StartAsync(TestPaths.RepositoryRoot, azurite.Environment, cancellationToken);
        var run = new DemoRun(environment.ConnectionString, "v1", () => { }, e => environment.ThrowIfStorageStoppedAsync("while the demo ran", e));
        var job = new DemoJob(await run.UploadAsync([1, 2, 3], ".png", cancellationToken), "samples/colin27-healthy.png");
        await KillAzuriteAsync(azurite.State, cancellationToken);

        await Assert.ThrowsAsync<LocalStorageStoppedException>(() => run.WaitAsync([job], TimeSpan.FromMinutes(5), _ => { }, cancellationToken));
    }

    [Fact]
    public async Task A_failure_while_azurite_still_runs_is_told_as_it_is()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var azurite = new IsolatedAzurite("synomaly-storage-running");
        await using var environment = await LocalEnvironment.StartAsync(TestPaths.RepositoryRoot, azurite.Environment, cancellationToken);
        var run = new DemoRun(environment.ConnectionString, "v1", () => throw new HostGoneException(), e => environment.ThrowIfStorageStoppedAsync("while the demo ran", e));
        var job = new DemoJob(await run.UploadAsync([1, 2, 3], ".png", cancellationToken), "samples/colin27-healthy.png");

        await Assert.ThrowsAsync<HostGoneException>(() => run.WaitAsync([job], TimeSpan.FromMinutes(5), _ => { }, cancellationToken));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Azurite_dying_during_start_up_is_told_as_the_storage_emulator_stopping_not_as_a_host_exiting()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var azurite = new IsolatedAzurite("synomaly-storage-stopped-startup", "azurite");
        string state = azurite.State;
        // The hosts' "dotnet" (ManagedProcess runs `dotnet exec` from the PATH it is given) kills Azurite as a crash would
        // and exits once it is gone: a host that loses its storage while it starts. Both hosts do so, so whichever exit the
        // pipeline sees first, Azurite is already dead by then.
        string bin = Path.Combine(azurite.Work, "bin");
        Directory.CreateDirectory(bin);
        string dotnet = Path.Combine(bin, "dotnet");
        await File.WriteAllTextAsync(
            dotnet,
            $$"""
            #!/bin/bash
            pid="$(cat '{{Path.Combine(state, "azurite.pid")}}')"
            kill -9 "$pid" 2>/dev/null || true
            for _ in $(seq 1 100); do [[ -n "$(tr -d '\0' <"/proc/$pid/cmdline" 2>/dev/null)" ]] || break; sleep 0.1; done
            exit 1

            """,
            cancellationToken);
        File.SetUnixFileMode(dotnet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var path = new Dictionary<string, string> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") };
        var settings = new LocalPipelineSettings
        {
            RepositoryRoot = FakeHostsRepository.Create(azurite.Work),
            ModelDirectory = TinyModelPackage.Save(Path.Combine(azurite.Work, "model"), "storage-stopped-tiny"),
            LogDirectory = Path.Combine(azurite.Work, "logs"),
            Device = "cpu",
            AzuriteEnvironment = azurite.Environment,
            TriggerHostOverrides = path,
            WorkerOverrides = path,
        };

        var stopped = await Assert.ThrowsAsync<LocalStorageStoppedException>(() => LocalPipeline.StartAsync(settings, cancellationToken));

        Assert.Equal("the local storage emulator (Azurite) stopped during start-up; see azurite.log in this run's Azurite state folder (AZURITE_DIR: by default .azurite in the repository; azurite under --out for soak)", stopped.Message);
        Assert.Contains("exited during start-up", stopped.InnerException?.Message, StringComparison.Ordinal);
        // The usual cleanup ran: the run's hold on the state folder is released, so the next run may start.
        using var next = LocalRunLock.TryAcquire(state);
        Assert.NotNull(next);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Azurite_dying_before_the_resources_are_created_is_told_as_the_storage_emulator_stopping()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var azurite = new IsolatedAzurite("synomaly-storage-stopped-provisioning", "azurite");
        // The repository's azurite.sh, except that a start kills the Azurite it started (as a crash would) before it answers:
        // the containers, queues and tables are then created on an emulator that is gone.
        string root = Path.Combine(azurite.Work, "repo");
        Directory.CreateDirectory(Path.Combine(root, "scripts"));
        string script = Path.Combine(root, "scripts", "azurite.sh");
        await File.WriteAllTextAsync(
            script,
            $$"""
            #!/bin/bash
            set -euo pipefail
            real='{{Path.Combine(TestPaths.RepositoryRoot, "scripts", "azurite.sh")}}'
            if [[ "${1:-}" != start ]]; then exec bash "$real" "$@"; fi
            connection="$(bash "$real" start)"
            pid="$(cat "$AZURITE_DIR/azurite.pid")"
            kill -9 "$pid"
            for _ in $(seq 1 100); do [[ -n "$(tr -d '\0' <"/proc/$pid/cmdline" 2>/dev/null)" ]] || break; sleep 0.1; done
            echo "$connection"

            """,
            cancellationToken);

        var stopped = await Assert.ThrowsAsync<LocalStorageStoppedException>(() => LocalEnvironment.StartAsync(root, azurite.Environment, cancellationToken));

        Assert.Equal("the local storage emulator (Azurite) stopped during start-up; see azurite.log in this run's Azurite state folder (AZURITE_DIR: by default .azurite in the repository; azurite under --out for soak)", stopped.Message);
        // Told promptly: the watch found Azurite gone and cancelled the provisioning calls. Unwatched, the first call waited
        // out the Azure SDK's retries (29.7 s measured) and failed with their AggregateException of "Connection refused".
        // A 20 s bound on the wall clock told the two apart with little room either way on a loaded machine; the cause tells
        // them apart whatever the load.
        var cause = Assert.IsType<InvalidOperationException>(stopped.InnerException);
        Assert.Equal("Azurite stopped while storage calls were made to it (scripts/azurite.sh status); they were cancelled rather than retried.", cause.Message);
        // The usual cleanup ran: no record of a run that never started, and the next run may take the state folder.
        Assert.False(File.Exists(Path.Combine(azurite.State, LocalRunRecord.FileName)), "the failed start left its run record");
        using var next = LocalRunLock.TryAcquire(azurite.State);
        Assert.NotNull(next);
    }

    /// <summary>Ends the Azurite of <paramref name="state"/> at once, as a crash or the OOM killer would.</summary>
    internal static async Task KillAzuriteAsync(string state, CancellationToken cancellationToken)
    {
        int pid = int.Parse((await File.ReadAllTextAsync(Path.Combine(state, "azurite.pid"), cancellationToken)).Trim(), CultureInfo.InvariantCulture);
        using var azurite = System.Diagnostics.Process.GetProcessById(pid);
        azurite.Kill();
        await azurite.WaitForExitAsync(cancellationToken);
    }
}
