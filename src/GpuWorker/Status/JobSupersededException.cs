using Synomaly.Contracts;
using Synomaly.Storage.Jobs;

namespace Synomaly.GpuWorker.Status;

/// <summary>
/// The job record now stands for another message of the same scan and model version (a newer upload of the scan or an
/// explicit retry was queued after this message, or the scan was erased and its record is a tombstone): this message is
/// stale, and nothing it does may touch the record.
/// </summary>
public sealed class JobSupersededException(string scanId, string staleMessageId, string currentMessageId, bool sameSourceVersion)
    : Exception($"The job record of scan {scanId} stands for message {currentMessageId}, not {staleMessageId}: the scan was queued again or erased.")
{
    public string ScanId { get; } = scanId;

    /// <summary>
    /// True when the record's message is for the same upload version (an explicit retry of it, <c>:r{n}</c>), whose
    /// results are this message's results; false when the scan was uploaded again or erased.
    /// </summary>
    public bool SameSourceVersion { get; } = sameSourceVersion;

    /// <summary>
    /// True when the record is an erasure tombstone (DELETE /api/scans/{scanId}): nothing of the scan may be kept, so
    /// results this message's deliveries wrote must go before the message does.
    /// </summary>
    public bool RecordErased { get; } = currentMessageId == JobRecord.DeletedMessageId;

    /// <summary>
    /// Throws when a record's message id names another message than <paramref name="job"/>'s. A record without one
    /// (written before ids were recorded, or not yet by any message) cannot tell, and is taken as this job's.
    /// </summary>
    public static void ThrowIfOtherMessage(string? recordMessageId, ScanJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (!string.IsNullOrEmpty(recordMessageId) && recordMessageId != job.MessageId)
        {
            throw new JobSupersededException(job.ScanId, job.MessageId, recordMessageId, job.IsMessageForSameSource(recordMessageId));
        }
    }
}
