using System.Globalization;
using Synomaly.Cli.Local;
using Synomaly.Storage.Local;
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
        using var state = new ScratchDirectory("synomaly-storage-stopped-upload");
        var script = AzuriteScript.IsolatedEnvironment(state.Location);
        try
        {
            await using var environment = await LocalEnvironment.StartAsync(TestPaths.RepositoryRoot, script, cancellationToken);
            var run = new DemoRun(environment.ConnectionString, "v1", () => { }, e => environment.ThrowIfStorageStoppedAsync("while the demo ran", e));
            await KillAzuriteAsync(state.Location, cancellationToken);

            var stopped = await Assert.ThrowsAsync<LocalStorageStoppedException>(() => run.UploadAsync([1, 2, 3], ".png", cancellationToken));

            Assert.Equal($"the local storage emulator (Azurite) stopped while the demo ran; see {Path.Combine(state.Location, "azurite.log")}", stopped.Message);
            Assert.NotNull(stopped.InnerException);
        }
        finally
        {
            await AzuriteScript.StopAsync(TestPaths.RepositoryRoot, script, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Waiting_for_jobs_after_azurite_died_fails_saying_the_storage_emulator_stopped()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var state = new ScratchDirectory("synomaly-storage-stopped-wait");
        var script = AzuriteScript.IsolatedEnvironment(state.Location);
        try
        {
            await using var environment = await LocalEnvironment.StartAsync(TestPaths.RepositoryRoot, script, cancellationToken);
            var run = new DemoRun(environment.ConnectionString, "v1", () => { }, e => environment.ThrowIfStorageStoppedAsync("while the demo ran", e));
            var job = new DemoJob(await run.UploadAsync([1, 2, 3], ".png", cancellationToken), "samples/colin27-healthy.png");
            await KillAzuriteAsync(state.Location, cancellationToken);

            await Assert.ThrowsAsync<LocalStorageStoppedException>(() => run.WaitAsync([job], TimeSpan.FromMinutes(5), _ => { }, cancellationToken));
        }
        finally
        {
            await AzuriteScript.StopAsync(TestPaths.RepositoryRoot, script, CancellationToken.None);
        }
    }

    [Fact]
    public async Task A_failure_while_azurite_still_runs_is_told_as_it_is()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var state = new ScratchDirectory("synomaly-storage-running");
        var script = AzuriteScript.IsolatedEnvironment(state.Location);
        try
        {
            await using var environment = await LocalEnvironment.StartAsync(TestPaths.RepositoryRoot, script, cancellationToken);
            var run = new DemoRun(environment.ConnectionString, "v1", () => throw new HostGoneException(), e => environment.ThrowIfStorageStoppedAsync("while the demo ran", e));
            var job = new DemoJob(await run.UploadAsync([1, 2, 3], ".png", cancellationToken), "samples/colin27-healthy.png");

            await Assert.ThrowsAsync<HostGoneException>(() => run.WaitAsync([job], TimeSpan.FromMinutes(5), _ => { }, cancellationToken));
        }
        finally
        {
            await AzuriteScript.StopAsync(TestPaths.RepositoryRoot, script, CancellationToken.None);
        }
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
