using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Synomaly.Storage.Local;

namespace Synomaly.Cli.Local;

/// <summary>
/// The local stand-in for the Azure resources: Azurite with the containers, queues and tables of
/// <see cref="LocalStorageResources"/> (those the Bicep templates create, and the ScanJob queue). Disposing it stops Azurite by PID, and deletes its data, only when this environment started it: an
/// Azurite it found running (`up --keep`, `demo --keep`, `scripts/azurite.sh start`) belongs to whoever started it.
/// </summary>
public sealed class LocalEnvironment : IAsyncDisposable
{
    private readonly string repositoryRoot;
    private readonly IReadOnlyDictionary<string, string>? azuriteEnvironment;

    private readonly LocalRunLock hold;

    private LocalEnvironment(string repositoryRoot, AzuriteInstance azurite, IReadOnlyDictionary<string, string>? azuriteEnvironment, LocalRunRecord record, LocalRunLock hold)
    {
        this.repositoryRoot = repositoryRoot;
        this.azuriteEnvironment = azuriteEnvironment;
        this.hold = hold;
        ConnectionString = azurite.ConnectionString;
        StartedAzurite = azurite.StartedHere;
        Record = record;
    }

    public string ConnectionString { get; }

    /// <summary>Whether this environment started Azurite (and so stops it when disposed) rather than finding it running.</summary>
    public bool StartedAzurite { get; }

    /// <summary>This run's record of what it started (<see cref="LocalRunRecord"/>); the pipeline adds its hosts to it.</summary>
    public LocalRunRecord Record { get; }

    /// <summary>
    /// Starts (or finds) Azurite and provisions it, after stopping what an earlier run on this state folder left running
    /// when it was killed without cleanup (said on stderr; see <see cref="LocalRunRecord"/>). One run at a time holds a
    /// state folder (<see cref="LocalRunLock"/>) until it is disposed or kept: a second would share the first's Azurite,
    /// lose it when the first ends, and overwrite the first's record so that a kill of the first left its hosts running.
    /// </summary>
    /// <param name="azuriteEnvironment">Optional AZURITE_DIR and port variables for scripts/azurite.sh (tests run their own instance).</param>
    /// <exception cref="LocalRunInProgressException">Another run holds this state folder.</exception>
    /// <exception cref="LocalStorageStoppedException">Azurite stopped after it had started, and the resources could not be created.</exception>
    public static Task<LocalEnvironment> StartAsync(string repositoryRoot, IReadOnlyDictionary<string, string>? azuriteEnvironment, CancellationToken cancellationToken) =>
        StartAsync(repositoryRoot, azuriteEnvironment, refuseBesideKeptHosts: false, cancellationToken);

    /// <inheritdoc cref="StartAsync(string, IReadOnlyDictionary{string, string}?, CancellationToken)"/>
    /// <param name="refuseBesideKeptHosts">
    /// Refuses the run while hosts a `demo --keep` left on this state folder still run (<see cref="KeptHosts"/>), as a
    /// pipeline run must; looked for once the folder is held, before anything starts.
    /// </param>
    /// <exception cref="KeptHostsRunningException">A kept trigger host or worker still runs (with <paramref name="refuseBesideKeptHosts"/>).</exception>
    public static async Task<LocalEnvironment> StartAsync(string repositoryRoot, IReadOnlyDictionary<string, string>? azuriteEnvironment, bool refuseBesideKeptHosts, CancellationToken cancellationToken)
    {
        string state = LocalRunRecord.StateDirectory(repositoryRoot, azuriteEnvironment);
        var hold = LocalRunLock.TryAcquire(state) ?? throw LocalRunInProgressException.For(LocalRunRecord.LiveOwner(state));
        AzuriteInstance azurite;
        try
        {
            if (refuseBesideKeptHosts)
            {
                // Under the hold: a run that keeps its hosts records them before it lets go of the folder, so hosts kept
                // after an earlier look (by a run that held the folder then) are found here; and only here, with no
                // other run able to write a record, is one of ended hosts removed.
                KeptHosts.ThrowIfRunning(state, folderHeld: true);
            }

            await LocalRunRecord.StopLeftoversAsync(state, () => AzuriteScript.StopAsync(repositoryRoot, azuriteEnvironment, cancellationToken), Console.Error);
            azurite = await AzuriteScript.StartOrFindAsync(repositoryRoot, azuriteEnvironment, cancellationToken);
        }
        catch
        {
            hold.Dispose();
            throw;
        }

        var environment = new LocalEnvironment(repositoryRoot, azurite, azuriteEnvironment, LocalRunRecord.Begin(state, azurite.StartedHere), hold);
        try
        {
            // Watched: a call on an Azurite that died after its start waits out the SDK's retries (about 40 s) before it
            // fails, and the user would wait as long for the one line below.
            await StorageWatch.RunAsync(
                environment.ProvisionAsync, () => AzuriteScript.IsRunningAsync(repositoryRoot, azuriteEnvironment, CancellationToken.None), StorageWatch.StartUpInterval, cancellationToken);
        }
        catch (Exception failure)
        {
            try
            {
                // An Azurite that died after its start fails the calls here (the watch, or the SDK's "Connection refused"),
                // which name neither the emulator nor its log. Asked before the cleanup, which stops Azurite itself; not
                // after a cancellation, which is the reason then.
                if (!cancellationToken.IsCancellationRequested)
                {
                    await environment.ThrowIfStorageStoppedAsync("during start-up", failure);
                }
            }
            finally
            {
                // The caller gets no environment to dispose, so the Azurite just started would be left running.
                await FailedStartCleanup.RunAsync(() => environment.DisposeAsync().AsTask());
            }

            throw;
        }

        return environment;
    }

    public IEnumerable<(string Resource, string Value)> Describe()
    {
        var blobs = new BlobServiceClient(ConnectionString);
        yield return ("blob endpoint", blobs.Uri.ToString());
        yield return ("queue endpoint", new QueueServiceClient(ConnectionString).Uri.ToString());
        yield return ("table endpoint", new TableServiceClient(ConnectionString).Uri.ToString());
        foreach (var container in LocalStorageResources.Containers)
        {
            yield return ("container", container);
        }

        foreach (var queue in LocalStorageResources.Queues())
        {
            yield return ("queue", queue);
        }

        foreach (var table in LocalStorageResources.Tables)
        {
            yield return ("table", table);
        }
    }

    /// <summary>
    /// Throws <see cref="LocalStorageStoppedException"/>, naming Azurite's log (scripts/azurite.sh writes azurite.log in the
    /// state folder) by its folder's role, never its path, when this environment's Azurite no longer runs; returns when it
    /// does. Asked after a storage call failed, so that a dead emulator is told as such rather than as the SDK's
    /// "Connection refused".
    /// </summary>
    /// <param name="when">Where in the run, for the message ("while the demo ran").</param>
    /// <param name="cause">
    /// The failure that made the caller ask, kept as the inner exception. When the question itself fails (scripts/azurite.sh
    /// status cannot be run), that says nothing about Azurite: it is told on stderr and this returns, so that the caller's
    /// failure is the one reported rather than the script's.
    /// </param>
    public async Task ThrowIfStorageStoppedAsync(string when, Exception? cause = null)
    {
        bool running;
        try
        {
            // Not cancellable: the check takes milliseconds, and a run being cancelled still wants the right reason.
            running = await AzuriteScript.IsRunningAsync(repositoryRoot, azuriteEnvironment, CancellationToken.None);
        }
        catch (Exception statusFailure) when (cause is not null)
        {
            await Console.Error.WriteLineAsync($"synomaly: could not ask whether Azurite still runs (scripts/azurite.sh status): {ErrorLine.PathFree(statusFailure)}");
            return;
        }

        if (!running)
        {
            string message = $"the local storage emulator (Azurite) stopped {when}; see azurite.log in {LocalRunRecord.StateDirectoryShown}";
            throw cause is null ? new LocalStorageStoppedException(message) : new LocalStorageStoppedException(message, cause);
        }
    }

    /// <summary>
    /// Returns when <paramref name="cancellationToken"/> is cancelled, looking every <paramref name="interval"/> whether
    /// Azurite still runs (`up` in the foreground, which makes no storage call of its own to fail).
    /// </summary>
    /// <exception cref="LocalStorageStoppedException">Azurite stopped.</exception>
    public async Task WatchStorageAsync(string when, TimeSpan interval, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await Task.Delay(interval, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }

            await ThrowIfStorageStoppedAsync(when);
        }
    }

    /// <summary>Restarts Azurite on the same ports and data (the reliability suite's storage outage).</summary>
    public Task RestartAsync(CancellationToken cancellationToken) => AzuriteScript.RestartAsync(repositoryRoot, azuriteEnvironment, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (StartedAzurite)
            {
                await AzuriteScript.StopAsync(repositoryRoot, azuriteEnvironment, CancellationToken.None);
            }

            // Only once the stop went through: a record left after a failed one has the next run stop what may be left.
            Record.Delete();
        }
        finally
        {
            // Even when the stop failed: a lock still held would refuse every later run of this process.
            hold.Dispose();
        }
    }

    /// <summary>Hands what this run started to the user (--keep): the next run must not stop it as left over, and may start.</summary>
    public void Keep()
    {
        Record.Delete();
        hold.Dispose();
    }

    private async Task ProvisionAsync(CancellationToken cancellationToken)
    {
        var blobs = new BlobServiceClient(ConnectionString);
        foreach (var container in LocalStorageResources.Containers)
        {
            await blobs.GetBlobContainerClient(container).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }

        var queues = new QueueServiceClient(ConnectionString);
        foreach (var queue in LocalStorageResources.Queues())
        {
            await queues.GetQueueClient(queue).CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        }

        var tables = new TableServiceClient(ConnectionString);
        foreach (var table in LocalStorageResources.Tables)
        {
            await tables.CreateTableIfNotExistsAsync(table, cancellationToken);
        }
    }
}
