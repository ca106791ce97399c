using Azure.Data.Tables;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Tests;

/// <summary>
/// A job store whose table is deleted when intake first reads the records of scan <see cref="VanishAt"/>, as an operator
/// deleting the table, or a redeployment that drops it, while a call is under way; every call is the real store's.
/// </summary>
internal sealed class TableVanishingJobStore : JobStore
{
    private readonly TableClient table;

    public TableVanishingJobStore(TableClient table, TimeProvider clock)
        : base(table, clock)
    {
        this.table = table;
    }

    /// <summary>The scan whose records are the first read after the table is gone; none by default.</summary>
    public string? VanishAt { get; set; }

    public override async Task<IReadOnlyList<JobRecord>> ListForScanAsync(string scanId, CancellationToken cancellationToken = default)
    {
        if (scanId == VanishAt)
        {
            await table.DeleteAsync(cancellationToken);
        }

        return await base.ListForScanAsync(scanId, cancellationToken);
    }
}
