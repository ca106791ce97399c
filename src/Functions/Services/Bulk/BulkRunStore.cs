using Azure;
using Azure.Data.Tables;
using Synomaly.Storage.Jobs;
using Synomaly.Storage.Local;

namespace Synomaly.Functions.Services.Bulk;

/// <summary>
/// Bulk runs and their checkpoints in Table <c>bulkruns</c>; every update is ETag-checked. Every read and write of a table
/// that does not exist throws <see cref="BulkRunTableMissingException"/>.
/// </summary>
public class BulkRunStore(TableClient table)
{
    public const string TableName = LocalStorageResources.BulkRunsTable;
    private const string RowKey = "run";

    /// <summary>
    /// A second entity in the run's partition, written once its first step is on the queue. Kept apart from the run so
    /// that writing it never changes the run's ETag under a step that is already checkpointing.
    /// </summary>
    private const string FirstStepQueuedRowKey = "first-step-queued";

    public BulkRunStore(TableServiceClient tables)
        : this(tables.GetTableClient(TableName))
    {
    }

    /// <summary>
    /// Creates the table where it is missing (Azurite, <c>func start</c>). In Azure infra creates it and the app's role
    /// may be scoped to the table alone, which can refuse the service-level create: that 403 means "exists", not failure.
    /// </summary>
    public virtual async Task EnsureCreatedAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            await table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status == 403)
        {
            // Provisioned by infra; the data-plane role does not cover creating tables.
        }
    }

    public virtual async Task<BulkRun?> GetAsync(string runId, CancellationToken cancellationToken = default)
    {
        var response = await Guard(table.GetEntityIfExistsAsync<TableEntity>(runId, RowKey, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return response.HasValue ? FromEntity(response.Value!) : null;
    }

    /// <summary>Stores a new run; returns the existing one when the id is taken (a repeated timer tick or request).</summary>
    public virtual async Task<(BulkRun Run, bool Created)> CreateAsync(BulkRun run, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        try
        {
            var response = await Guard(table.AddEntityAsync(ToEntity(run), cancellationToken)).ConfigureAwait(false);
            return (run with { ETag = response.Headers.ETag ?? default }, true);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            return ((await GetAsync(run.RunId, cancellationToken).ConfigureAwait(false))!, false);
        }
    }

    /// <summary>Whether the run's first step was put on the step queue (see <see cref="MarkFirstStepQueuedAsync"/>).</summary>
    public virtual async Task<bool> IsFirstStepQueuedAsync(string runId, CancellationToken cancellationToken = default)
    {
        var response = await Guard(table.GetEntityIfExistsAsync<TableEntity>(runId, FirstStepQueuedRowKey, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return response.HasValue;
    }

    public virtual async Task MarkFirstStepQueuedAsync(string runId, CancellationToken cancellationToken = default) =>
        await Guard(table.UpsertEntityAsync(new TableEntity(runId, FirstStepQueuedRowKey), TableUpdateMode.Replace, cancellationToken)).ConfigureAwait(false);

    /// <summary>Removes a run that never started (its first step never reached the queue); no-op when it is gone.</summary>
    public virtual async Task DeleteUnstartedAsync(string runId, CancellationToken cancellationToken = default) =>
        await Guard(table.DeleteEntityAsync(runId, RowKey, ETag.All, cancellationToken)).ConfigureAwait(false);

    /// <summary>
    /// Every run not yet over (Pending or Running). The table also holds the sweeps' saved places and the first-step
    /// markers; only run entities are listed.
    /// </summary>
    public virtual async Task<IReadOnlyList<BulkRun>> ListUnfinishedAsync(CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"RowKey eq {RowKey} and (State eq {nameof(BulkRunState.Pending)} or State eq {nameof(BulkRunState.Running)})");
        var unfinished = new List<BulkRun>();
        try
        {
            await foreach (var entity in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                unfinished.Add(FromEntity(entity));
            }
        }
        catch (RequestFailedException e) when (TableMissing.Is(e))
        {
            throw new BulkRunTableMissingException(table.Name, e);
        }

        return unfinished;
    }

    /// <summary>Replaces the run if nobody else changed it since <paramref name="current"/> was read; null on conflict.</summary>
    public virtual async Task<BulkRun?> TryReplaceAsync(BulkRun current, BulkRun next, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            var response = await Guard(table.UpdateEntityAsync(ToEntity(next), current.ETag, TableUpdateMode.Replace, cancellationToken)).ConfigureAwait(false);
            return next with { ETag = response.Headers.ETag ?? default };
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            return null;
        }
    }

    private Task<T> Guard<T>(Task<T> call) where T : class => BulkRunTableCall.Guard(table.Name, call);

    private static TableEntity ToEntity(BulkRun run) => new(run.RunId, RowKey)
    {
        [nameof(BulkRun.Prefix)] = run.Prefix,
        [nameof(BulkRun.ModelName)] = run.ModelName,
        [nameof(BulkRun.ModelVersion)] = run.ModelVersion,
        [nameof(BulkRun.DryRun)] = run.DryRun,
        // Codes are letters and digits (BulkRunRetry.ValidatedCodes), so a comma separates them safely.
        [nameof(BulkRun.RetryErrorCodes)] = run.RetryErrorCodes.Count == 0 ? null : string.Join(',', run.RetryErrorCodes),
        [nameof(BulkRun.Trigger)] = run.Trigger.ToString(),
        [nameof(BulkRun.State)] = run.State.ToString(),
        [nameof(BulkRun.Continuation)] = run.Continuation,
        [nameof(BulkRun.Pages)] = run.Pages,
        [nameof(BulkRun.Listed)] = run.Listed,
        [nameof(BulkRun.Published)] = run.Published,
        [nameof(BulkRun.Skipped)] = run.Skipped,
        [nameof(BulkRun.Rejected)] = run.Rejected,
        // Scan ids are 'a-' and hex digits, so a comma separates them safely; 500 of them fit a table string (32K chars).
        [nameof(BulkRun.Outstanding)] = run.Outstanding.Count == 0 ? null : string.Join(',', run.Outstanding),
        [nameof(BulkRun.CreatedAt)] = run.CreatedAt,
        [nameof(BulkRun.NextVisibleAt)] = run.NextVisibleAt,
        [nameof(BulkRun.UpdatedAt)] = run.UpdatedAt,
        [nameof(BulkRun.WindowMovedAt)] = run.WindowMovedAt,
        [nameof(BulkRun.FinishedAt)] = run.FinishedAt,
        [nameof(BulkRun.StopReason)] = run.StopReason?.ToString(),
        [nameof(BulkRun.StopDetail)] = run.StopDetail,
    };

    private static BulkRun FromEntity(TableEntity entity) => new()
    {
        RunId = entity.PartitionKey,
        Prefix = entity.GetString(nameof(BulkRun.Prefix)) ?? "",
        ModelName = entity.GetString(nameof(BulkRun.ModelName)) ?? "",
        ModelVersion = entity.GetString(nameof(BulkRun.ModelVersion)) ?? "",
        DryRun = entity.GetBoolean(nameof(BulkRun.DryRun)) ?? false,
        RetryErrorCodes = entity.GetString(nameof(BulkRun.RetryErrorCodes))?.Split(',', StringSplitOptions.RemoveEmptyEntries) ?? [],
        Trigger = Enum.TryParse<BulkRunTrigger>(entity.GetString(nameof(BulkRun.Trigger)), out var trigger) ? trigger : BulkRunTrigger.Http,
        State = Enum.TryParse<BulkRunState>(entity.GetString(nameof(BulkRun.State)), out var state) ? state : BulkRunState.Pending,
        Continuation = entity.GetString(nameof(BulkRun.Continuation)),
        Pages = entity.GetInt32(nameof(BulkRun.Pages)) ?? 0,
        Listed = entity.GetInt64(nameof(BulkRun.Listed)) ?? 0,
        Published = entity.GetInt64(nameof(BulkRun.Published)) ?? 0,
        Skipped = entity.GetInt64(nameof(BulkRun.Skipped)) ?? 0,
        Rejected = entity.GetInt64(nameof(BulkRun.Rejected)) ?? 0,
        Outstanding = entity.GetString(nameof(BulkRun.Outstanding))?.Split(',', StringSplitOptions.RemoveEmptyEntries) ?? [],
        CreatedAt = entity.GetDateTimeOffset(nameof(BulkRun.CreatedAt)) ?? DateTimeOffset.MinValue,
        NextVisibleAt = entity.GetDateTimeOffset(nameof(BulkRun.NextVisibleAt)),
        UpdatedAt = entity.GetDateTimeOffset(nameof(BulkRun.UpdatedAt)),
        WindowMovedAt = entity.GetDateTimeOffset(nameof(BulkRun.WindowMovedAt)),
        FinishedAt = entity.GetDateTimeOffset(nameof(BulkRun.FinishedAt)),
        StopReason = Enum.TryParse<BulkRunStopReason>(entity.GetString(nameof(BulkRun.StopReason)), out var stop) ? stop : null,
        StopDetail = entity.GetString(nameof(BulkRun.StopDetail)),
        ETag = entity.ETag,
    };
}
