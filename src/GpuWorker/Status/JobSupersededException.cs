using Synomaly.Contracts;

namespace Synomaly.GpuWorker.Status;

/// <summary>
/// The job record now stands for another message of the same scan and model version (a newer upload of the scan was
/// queued after this message): this message is stale, and nothing it does may touch the record of the newer job.
/// </summary>
public sealed class JobSupersededException(string scanId, string staleMessageId, string currentMessageId)
    : Exception($"The job record of scan {scanId} stands for message {currentMessageId}, not {staleMessageId}: a newer version of the scan was queued.")
{
    public string ScanId { get; } = scanId;

    /// <summary>
    /// Throws when a record's message id names another message than <paramref name="job"/>'s. A record without one
    /// (written before ids were recorded, or not yet by any message) cannot tell, and is taken as this job's.
    /// </summary>
    public static void ThrowIfOtherMessage(string? recordMessageId, ScanJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!string.IsNullOrEmpty(recordMessageId) && recordMessageId != job.MessageId)
        {
            throw new JobSupersededException(job.ScanId, job.MessageId, recordMessageId);
        }
    }
}
