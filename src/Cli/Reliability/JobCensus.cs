using Azure;
using Synomaly.Storage.Jobs;

namespace Synomaly.Cli.Reliability;

/// <summary>Reads every job record of one model version, tolerating a storage outage (the suite causes them on purpose).</summary>
public sealed class JobCensus(JobStore store, string modelVersion)
{
    /// <summary>The records by scan id, or null when storage did not answer this time.</summary>
    public async Task<IReadOnlyDictionary<string, JobRecord>?> TryReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            var records = new Dictionary<string, JobRecord>(StringComparer.Ordinal);
            string? token = null;
            do
            {
                var page = await store.ListAsync(continuationToken: token, pageSize: JobStore.MaxPageSize, cancellationToken: cancellationToken);
                foreach (var record in page.Jobs.Where(r => r.ModelVersion == modelVersion))
                {
                    records[record.ScanId] = record;
                }

                token = page.ContinuationToken;
            }
            while (token is not null);
            return records;
        }
        catch (Exception e) when (e is RequestFailedException or HttpRequestException or AggregateException)
        {
            return null;
        }
    }
}
