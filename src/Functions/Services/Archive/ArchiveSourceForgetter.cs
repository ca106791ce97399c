using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using Synomaly.Contracts;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Services.Archive;

/// <summary>
/// Drops the archive file's name from a bulk job record whose source is gone, as the worker does for a job that finds its
/// source gone: Failed <see cref="JobRecord.SourceMissingErrorCode"/>, without source URI or content hash
/// (<see cref="JobRecord.HasLostSource"/>). The owner's deletion erases what is recorded when its event is handled; a
/// record that a reprocessing run writes after that (a rejection of a file listed just before the deletion, a reservation
/// whose message never went out, which only the expiry sweep ends) would otherwise keep the owner's file name for good.
/// A caller that writes the record writes first and checks afterwards (<see cref="ForgetIfGoneAsync"/>): either the check
/// sees the deletion, or the deletion's event comes after the record exists and tombstones it. One that ends a record that
/// exists already may check before its write (<see cref="IsSourceGoneAsync"/>, <see cref="WithoutSource"/>).
/// </summary>
public sealed partial class ArchiveSourceForgetter(BlobServiceClient blobs, JobStore jobs, TimeProvider clock, ILogger<ArchiveSourceForgetter> logger)
{
    private const int MaxWriteAttempts = 5;

    /// <summary>
    /// The record as it stands after the check: unchanged while its source exists (or it is no unpublished bulk job that
    /// names one), otherwise Failed <c>SourceMissing</c> without the name. ETag-checked: a writer that got there first (an
    /// erasure's tombstone, a worker) is re-read and, where it left the name, checked again.
    /// </summary>
    public async Task<JobRecord> ForgetIfGoneAsync(JobRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var current = record;
        bool? gone = null;
        for (int attempt = 0; attempt < MaxWriteAttempts && NamesSourceItMayForget(current); attempt++)
        {
            gone ??= await IsSourceGoneAsync(current, cancellationToken).ConfigureAwait(false);
            if (gone == false)
            {
                return current;
            }

            var result = current.State == JobState.Failed
                ? await jobs.UpdateAsync(current, WithoutSource, cancellationToken).ConfigureAwait(false)
                : await jobs.TransitionAsync(current, JobState.Failed, WithoutSource, cancellationToken).ConfigureAwait(false);
            if (result.Succeeded)
            {
                LogForgotten(current.ScanId, current.ModelVersion);
                return result.Record!;
            }

            if (result.Record is null)
            {
                return current; // the record is gone, and the name with it
            }

            current = result.Record;
        }

        return current;
    }

    /// <summary>
    /// A bulk job's record that still names its source and that nothing else will end: Failed, or Queued with no message
    /// out. One a worker holds is left to the worker, which fails it <c>SourceMissing</c> itself when it finds the source gone.
    /// </summary>
    private static bool NamesSourceItMayForget(JobRecord record) =>
        record.Origin == JobOrigin.Bulk
        && record.SourceBlobUri is not null
        && !record.HasLostSource
        && (record.State == JobState.Failed || (record.State == JobState.Queued && !record.IsPublished));

    /// <summary>
    /// Whether the record is a bulk job's whose source the archive no longer holds. A record naming no source, or one this
    /// app cannot name in its archive container, has none that is gone.
    /// </summary>
    public async Task<bool> IsSourceGoneAsync(JobRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (record.Origin != JobOrigin.Bulk
            || record.SourceBlobUri is null
            || new BlobUriBuilder(record.SourceBlobUri) is not { BlobContainerName: BlobLayout.ArchiveContainer, BlobName: { Length: > 0 } name })
        {
            return false;
        }

        var blob = blobs.GetBlobContainerClient(BlobLayout.ArchiveContainer).GetBlobClient(name);
        return !(await blob.ExistsAsync(cancellationToken).ConfigureAwait(false)).Value;
    }

    /// <summary>The record as a job whose source is gone: Failed <c>SourceMissing</c> (the caller moves the state), without source URI or content hash.</summary>
    public JobRecord WithoutSource(JobRecord record) => record with
    {
        ErrorCode = JobRecord.SourceMissingErrorCode,
        ErrorMessage = "The archived file no longer exists (its owner deleted it); its name is not kept.",
        SourceBlobUri = null,
        SourceContentMd5 = null,
        FinishedAt = clock.GetUtcNow(),
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {ScanId}/{ModelVersion}: its archive source is gone; marked Failed (SourceMissing) without the file's name")]
    private partial void LogForgotten(string scanId, string modelVersion);
}
