using Azure.Data.Tables;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Tests;

/// <summary>
/// A job table at whose first read of one scan's record the archive's owner deletes that scan's file, and the deletion's
/// event is handled, before the read answers: a reprocessing run reads a record before it writes one, so the erasure finds
/// nothing recorded, and the run writes its record after it. Every other call is the real table's.
/// </summary>
internal sealed class OwnerDeletesOnFirstReadJobStore(TableClient table, TimeProvider clock) : JobStore(table, clock)
{
    private int deleted;

    /// <summary>The scan whose first read sets off <see cref="Deletion"/>.</summary>
    public string? ScanId { get; set; }

    /// <summary>The owner's deletion and the handling of its event.</summary>
    public Func<Task>? Deletion { get; set; }

    public override async Task<JobRecord?> GetAsync(string scanId, string modelVersion, CancellationToken cancellationToken = default)
    {
        if (scanId == ScanId && Deletion is { } deletion && Interlocked.Exchange(ref deleted, 1) == 0)
        {
            await deletion();
        }

        return await base.GetAsync(scanId, modelVersion, cancellationToken);
    }
}
