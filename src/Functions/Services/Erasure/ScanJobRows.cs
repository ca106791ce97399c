using Azure;
using Azure.Data.Tables;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Services.Erasure;

/// <summary>One stored job row of a scan as the table holds it, unparsed: its key, its ETag and its creation time.</summary>
public sealed record ScanJobRow(string ModelVersion, ETag ETag, DateTimeOffset CreatedAt);

/// <summary>
/// The rows of one scan's partition in the jobs table, read by key without parsing the rest of the record. The erasure
/// needs this where <c>JobStore.ListForScanAsync</c> throws on a record this version cannot read: a patient's erasure must
/// not wait on a record nobody can parse, and a tombstone replaces the whole row, so its values are not needed.
/// </summary>
public class ScanJobRows(TableClient table)
{
    private static readonly string[] Selected = ["PartitionKey", "RowKey", "CreatedAt", "Timestamp"];

    /// <exception cref="JobTableMissingException">The job table does not exist.</exception>
    public virtual async Task<IReadOnlyList<ScanJobRow>> ListAsync(string scanId, CancellationToken cancellationToken)
    {
        var rows = new List<ScanJobRow>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {scanId}");
        try
        {
            await foreach (var entity in table.QueryAsync<TableEntity>(filter, select: Selected, cancellationToken: cancellationToken).ConfigureAwait(false))
            {
                // A damaged CreatedAt (not a date) reads as absent here: the tombstone keeps the row's write time instead.
                var createdAt = entity.TryGetValue("CreatedAt", out var value) && value is DateTimeOffset d ? d : entity.Timestamp ?? DateTimeOffset.MinValue;
                rows.Add(new ScanJobRow(entity.RowKey, entity.ETag, createdAt));
            }
        }
        catch (RequestFailedException e) when (TableMissing.Is(e))
        {
            // As every read of the job store: the API answers 503 job-table-missing and an archive deletion is put back.
            throw new JobTableMissingException(table.Name, e);
        }

        return rows;
    }
}
