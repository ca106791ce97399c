using Azure;
using Azure.Data.Tables;
using Synomaly.Functions.Services.Bulk;

namespace Synomaly.Functions.Services.Intake;

/// <summary>
/// Where the upload reconciliation stopped listing scans/ when its time budget ran out: the listing's continuation token,
/// kept in the app's checkpoint table (<c>bulkruns</c>, one entity under its own partition key) so the next sweep goes
/// on from there whichever instance runs it. No cursor means "start at the beginning".
/// </summary>
public class ReconcileCursorStore(TableClient table)
{
    private const string PartitionKey = "sweep-cursor";
    private const string RowKey = "upload-reconciliation";
    private const string ContinuationProperty = "Continuation";

    public ReconcileCursorStore(TableServiceClient tables)
        : this(tables.GetTableClient(BulkRunStore.TableName))
    {
    }

    public virtual async Task<string?> GetAsync(CancellationToken cancellationToken = default)
    {
        var response = await table.GetEntityIfExistsAsync<TableEntity>(PartitionKey, RowKey, cancellationToken: cancellationToken).ConfigureAwait(false);
        return response.HasValue ? response.Value!.GetString(ContinuationProperty) : null;
    }

    /// <summary>Saves where the next sweep starts; null clears it (the last sweep reached the end of the listing).</summary>
    public virtual async Task SetAsync(string? continuation, CancellationToken cancellationToken = default)
    {
        if (continuation is null)
        {
            try
            {
                await table.DeleteEntityAsync(PartitionKey, RowKey, ETag.All, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                // Nothing saved: already at the beginning.
            }

            return;
        }

        var entity = new TableEntity(PartitionKey, RowKey) { [ContinuationProperty] = continuation };
        await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }
}
