using Azure;
using Azure.Data.Tables;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Services.Sweeps;

/// <summary>
/// Where a timer sweep stopped when its time budget ran out: a listing's continuation, kept in the app's checkpoint table
/// (<c>bulkruns</c>, partition <c>sweep-cursor</c>, one entity per sweep) so the next sweep goes on from there whichever
/// instance runs it. No cursor means "start at the beginning". A table that does not exist is
/// <see cref="BulkRunTableMissingException"/>, not "no cursor".
/// </summary>
public class SweepCursorStore(TableClient table)
{
    /// <summary>The upload reconciliation's place in the scans/ listing.</summary>
    public const string UploadReconciliation = "upload-reconciliation";

    /// <summary>The job expiry sweep's place in the jobs table.</summary>
    public const string JobExpiry = "job-expiry";

    private const string PartitionKey = "sweep-cursor";
    private const string ContinuationProperty = "Continuation";

    public SweepCursorStore(TableServiceClient tables)
        : this(tables.GetTableClient(BulkRunStore.TableName))
    {
    }

    public virtual async Task<string?> GetAsync(string sweep, CancellationToken cancellationToken = default)
    {
        var response = await BulkRunTableCall.Guard(table.Name, table.GetEntityIfExistsAsync<TableEntity>(PartitionKey, sweep, cancellationToken: cancellationToken)).ConfigureAwait(false);
        return response.HasValue ? response.Value!.GetString(ContinuationProperty) : null;
    }

    /// <summary>Saves where the next sweep starts; null clears it (the last sweep reached the end of its listing).</summary>
    public virtual async Task SetAsync(string sweep, string? continuation, CancellationToken cancellationToken = default)
    {
        if (continuation is null)
        {
            try
            {
                await BulkRunTableCall.Guard(table.Name, table.DeleteEntityAsync(PartitionKey, sweep, ETag.All, cancellationToken)).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 404 && !TableMissing.Is(e))
            {
                // Nothing saved: already at the beginning.
            }

            return;
        }

        var entity = new TableEntity(PartitionKey, sweep) { [ContinuationProperty] = continuation };
        await BulkRunTableCall.Guard(table.Name, table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken)).ConfigureAwait(false);
    }
}
