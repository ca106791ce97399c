using System.Collections.Concurrent;
using Azure.Data.Tables;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Tests;

/// <summary>
/// The real job table, counting the reads of each scan's records: a read of one record and a listing of the scan's
/// records each count one (each is one request to the table), writes none.
/// </summary>
internal sealed class ReadCountingJobStore(TableClient table, TimeProvider clock) : JobStore(table, clock)
{
    private readonly ConcurrentDictionary<string, int> reads = new(StringComparer.Ordinal);

    public int Reads(string scanId) => reads.GetValueOrDefault(scanId);

    public override Task<JobRecord?> GetAsync(string scanId, string modelVersion, CancellationToken cancellationToken = default)
    {
        reads.AddOrUpdate(scanId, 1, (_, count) => count + 1);
        return base.GetAsync(scanId, modelVersion, cancellationToken);
    }

    public override Task<IReadOnlyList<JobRecord>> ListForScanAsync(string scanId, CancellationToken cancellationToken = default)
    {
        reads.AddOrUpdate(scanId, 1, (_, count) => count + 1);
        return base.ListForScanAsync(scanId, cancellationToken);
    }
}
