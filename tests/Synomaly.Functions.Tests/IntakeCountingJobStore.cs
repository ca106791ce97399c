using System.Collections.Concurrent;
using Azure.Data.Tables;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Tests;

/// <summary>
/// The real job table, counting how often intake looked at each scan: intake's first read is every record of the scan
/// (its erasure check), which nothing else on the upload path reads, so the count is how many times intake ran.
/// </summary>
internal sealed class IntakeCountingJobStore(TableClient table, TimeProvider clock) : JobStore(table, clock)
{
    private readonly ConcurrentDictionary<string, int> intakeRuns = new(StringComparer.Ordinal);

    public int IntakeRuns(string scanId) => intakeRuns.GetValueOrDefault(scanId);

    public override Task<IReadOnlyList<JobRecord>> ListForScanAsync(string scanId, CancellationToken cancellationToken = default)
    {
        intakeRuns.AddOrUpdate(scanId, 1, (_, count) => count + 1);
        return base.ListForScanAsync(scanId, cancellationToken);
    }
}
