using Azure;
using Microsoft.Extensions.Logging;
using Synomaly.Contracts;
using Synomaly.Storage;
using Synomaly.Storage.Jobs;
using Synomaly.Storage.Messaging;

namespace Synomaly.Functions.Services.Jobs;

/// <summary>
/// Turns a ScanJob into a job record and a published message, exactly once per blob version and model version (the
/// record names the source; an archive job's message does not, and the worker reads it from the record):
/// reserve the record (Queued, not yet published), publish, then mark it published (QueuedAt). A duplicate event or a
/// repeated bulk run finds the published record and publishes nothing, which is what keeps the Storage Queue transport
/// (no duplicate detection) free of duplicates; on Service Bus the deterministic MessageId is a second guard.
/// </summary>
public sealed partial class JobSubmitter(JobStore store, IScanJobPublisher publisher, TimeProvider clock, ILogger<JobSubmitter> logger)
{
    private const int MaxRaceRetries = 5;

    /// <summary>
    /// How long a retry's reservation may stay unpublished before another submission for the same blob version takes it
    /// over (its writer is then presumed dead). Publishing takes seconds; this leaves room for the Service Bus client's own
    /// retries.
    /// </summary>
    public static readonly TimeSpan ReservationTimeout = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Reserves, publishes and confirms one job. <paramref name="retryFailed"/> (an explicit retry) also resubmits a job
    /// that failed for this very blob version, which is otherwise left Failed.
    /// </summary>
    /// <param name="scanRecords">Every record of the scan as the caller has just read them (intake's erasure check), to
    /// decide on instead of reading the record again: see <see cref="ReserveAsync"/>.</param>
    public async Task<Reservation> SubmitAsync(ScanJob job, string? runId, DateTimeOffset? scheduledEnqueueTime, CancellationToken cancellationToken, bool retryFailed = false, IReadOnlyList<JobRecord>? scanRecords = null)
    {
        var reservation = await ReserveAsync(job, runId, cancellationToken, retryFailed, scanRecords).ConfigureAwait(false);
        if (reservation.MustPublish)
        {
            // Once the message may be out, finish the bookkeeping even if the caller is cancelled: an unconfirmed record
            // would be published again on a retry.
            try
            {
                await publisher.PublishAsync(reservation.Job!, scheduledEnqueueTime, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not JobPublishFailedException)
            {
                LogPublishFailed(job.ScanId, ServiceErrorCause.Of(e));
                throw await UndoReservationAsync(reservation, e).ConfigureAwait(false);
            }

            return reservation with { Record = await ConfirmPublishedAsync(reservation, scheduledEnqueueTime, CancellationToken.None).ConfigureAwait(false) };
        }

        return reservation;
    }

    /// <summary>
    /// After a failed publish, puts a Failed job of the same blob version that the reservation requeued (an explicit retry,
    /// or a resubmitted expired job) back as it was: left Queued under a message that never went out, it would refuse the
    /// next retry as "Queued", look "about to be published", and wait for the expiry sweep, two days on. The write is
    /// ETag-checked and gives way to any other writer: a worker that already has the message (the publish failed after all
    /// but reached the queue) or a newer upload's intake. Any other reservation stays as it is, for the upload's next event
    /// or the reconciliation to take over; there is no earlier outcome to go back to. That includes a new upload version
    /// that replaced a failed one: the old version's failure is no outcome of the new file, and put back it would tell the
    /// portal that its fixed upload failed as the file before it did.
    /// </summary>
    private async Task<JobPublishFailedException> UndoReservationAsync(Reservation reservation, Exception publishError)
    {
        var record = reservation.Record;
        if (reservation.Replaced is not { State: JobState.Failed } failed || !failed.IsForSourceVersion(reservation.Job!.SourceETag))
        {
            return new JobPublishFailedException(record, restoredFailure: false, publishError);
        }

        // A job table found missing (JobTableMissingException) is let through in place of the publish error, which
        // SubmitAsync's Warning has logged: the caller hears job-table-missing, and operators get an Error naming the
        // table. Nothing can be recorded or read until the table is restored, so publish-failed would be untrue (it says
        // the job is Queued, and there is no record) and no help (a retry after its Retry-After meets the table missing).
        try
        {
            for (var attempt = 0; attempt < MaxRaceRetries; attempt++)
            {
                var result = await store.TransitionAsync(record, JobState.Failed, r => failed with { ETag = r.ETag }, CancellationToken.None).ConfigureAwait(false);
                if (result.Succeeded)
                {
                    return new JobPublishFailedException(result.Record!, restoredFailure: true, publishError);
                }

                if (result.Record is not { State: JobState.Queued } latest || latest.MessageId != reservation.Job!.MessageId || latest.IsPublished)
                {
                    break;
                }

                record = latest;
            }
        }
        catch (RequestFailedException e)
        {
            // The table is failing too: the reservation stays, and the expiry sweep fails it in the end.
            LogUndoFailed(record.ScanId, e.Status, e.ErrorCode);
        }
        catch (Exception e) when (TransientStorageFailure.Of(e, CancellationToken.None) is { } failure)
        {
            // So is the SDK giving up on network faults (an AggregateException, or a lone timeout): thrown, it replaced
            // the publish error, and a retry answered storage-unavailable for a job that could not be published.
            LogUndoFailed(record.ScanId, failure.Status, failure.ErrorCode);
        }

        return new JobPublishFailedException(record, restoredFailure: false, publishError);
    }

    /// <summary>
    /// Decides whether <paramref name="job"/> must be published and, if so, leaves a Queued record for it that is not
    /// yet marked published. Never publishes.
    /// </summary>
    /// <param name="scanRecords">Every record of the scan as the caller has just read them, or null: the first decision
    /// is made on the job's record among them (none there: no record) rather than on a read of its own (<see cref="CurrentAsync"/>).</param>
    public async Task<Reservation> ReserveAsync(ScanJob job, string? runId, CancellationToken cancellationToken, bool retryFailed = false, IReadOnlyList<JobRecord>? scanRecords = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        for (var attempt = 0; attempt < MaxRaceRetries; attempt++)
        {
            var current = await CurrentAsync(job.ScanId, job.ModelVersion, attempt == 0 ? scanRecords : null, cancellationToken).ConfigureAwait(false);
            var message = job;
            JobWriteResult result;
            if (current is null)
            {
                result = await store.CreateAsync(NewRecord(job, runId), cancellationToken).ConfigureAwait(false);
            }
            else if (Decide(current, job, retryFailed) is { } skip)
            {
                return new Reservation(current, null, skip);
            }
            else if (current.State == JobState.Queued && current.MessageId == job.MessageId)
            {
                // Reserved by an earlier attempt that did not confirm (crash or failed publish): take it over. The
                // ETag-checked touch makes two concurrent takers race for it; the loser re-reads.
                result = await store.UpdateAsync(current, r => r with { RunId = runId ?? r.RunId }, cancellationToken).ConfigureAwait(false);
            }
            else if (BeingPublishedUnderOtherId(current, job))
            {
                // An explicit retry of this blob version is publishing its own message right now: a duplicate blob event
                // leaves it to that, rather than send the message a second time (which a Storage Queue would deliver twice).
                return new Reservation(current, null, SkipReason.Duplicate);
            }
            else if (UnpublishedRetry(current, job) is { } retry)
            {
                // An explicit retry of this blob version reserved the record and never confirmed (its writer is presumed
                // dead): take it over under the retry's own message id, as a reservation of the same message is taken
                // over. Not under the version's first id: that message went out when the file arrived, Service Bus drops
                // a repeat of it for an hour (its duplicate-detection window, far longer than the timeout), and the job
                // would sit Queued for a message never delivered until the expiry sweep. The retry's id is unique: it
                // goes through, unless the retry did publish it after all, and then the copy is dropped and the record
                // still names the message that went out.
                message = job with { Retry = retry };
                result = await store.UpdateAsync(current, r => r with { RunId = runId ?? r.RunId }, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // A new blob version (or a failed job being resubmitted): queue it again with the new version.
                result = await store.TransitionAsync(current, JobState.Queued, r => Requeue(r, job, runId), cancellationToken).ConfigureAwait(false);
            }

            if (result.Succeeded)
            {
                // The record keeps the source; the message leaves an archive path out (ScanJob.ForQueue).
                return new Reservation(result.Record!, message.ForQueue(), null, Replaced: current is not null && current.MessageId != message.MessageId ? current : null);
            }
        }

        throw new InvalidOperationException($"Job {job.ScanId}/{job.ModelVersion} kept changing under concurrent writers; retry later.");
    }

    /// <summary>What <see cref="ReserveAsync"/> would decide, without writing anything (dry runs): null = would publish.</summary>
    public async Task<SkipReason?> PreviewAsync(ScanJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var current = await store.GetAsync(job.ScanId, job.ModelVersion, cancellationToken).ConfigureAwait(false);
        return current is null ? null : Decide(current, job, retryFailed: false);
    }

    /// <summary>
    /// Marks a reserved job as published (QueuedAt, and ScheduledFor when its message was scheduled for later), unless
    /// another message has taken the record over meanwhile. A worker may already have started the job (a bulk run confirms
    /// a whole slice after publishing it): its record still gets QueuedAt, or the status would show a published job as
    /// never published.
    /// </summary>
    public async Task<JobRecord> ConfirmPublishedAsync(Reservation reservation, DateTimeOffset? scheduledFor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reservation);
        var record = reservation.Record;
        for (var attempt = 0; attempt < MaxRaceRetries; attempt++)
        {
            if (record.MessageId != reservation.Job?.MessageId || record.QueuedAt is not null)
            {
                return record;
            }

            // Once a worker has the message, when it was scheduled for no longer matters to anyone.
            var stillWaiting = record.State == JobState.Queued && record.StartedAt is null;
            var result = await store.UpdateAsync(record, r => r with { QueuedAt = clock.GetUtcNow(), ScheduledFor = stillWaiting ? scheduledFor : r.ScheduledFor }, cancellationToken).ConfigureAwait(false);
            if (result.Succeeded || result.Record is null)
            {
                return result.Record ?? record;
            }

            record = result.Record;
        }

        return record;
    }

    /// <summary>
    /// Records a rejected upload as Failed with a reason code (or creates it Failed), unless the record already stands
    /// for this blob version (Succeeded or Failed for it) or the upload's scan has been erased (the tombstone is returned
    /// unchanged). A Succeeded job of another blob version fails too: a bad file uploaded over good results replaces them,
    /// as a good one does.
    /// </summary>
    /// <param name="scanRecords">Every record of the scan as the caller has just read them, or null: as for <see cref="ReserveAsync"/>.</param>
    public async Task<JobRecord?> RejectAsync(JobRecord rejected, CancellationToken cancellationToken, IReadOnlyList<JobRecord>? scanRecords = null)
    {
        ArgumentNullException.ThrowIfNull(rejected);
        for (var attempt = 0; attempt < MaxRaceRetries; attempt++)
        {
            var current = await CurrentAsync(rejected.ScanId, rejected.ModelVersion, attempt == 0 ? scanRecords : null, cancellationToken).ConfigureAwait(false);
            JobWriteResult result;
            if (current is null)
            {
                result = await store.CreateAsync(rejected with { State = JobState.Failed, FinishedAt = clock.GetUtcNow() }, cancellationToken).ConfigureAwait(false);
            }
            else if (current.IsDeleted && rejected.Origin == JobOrigin.Upload)
            {
                // The scan was erased after intake's own check (as in Decide): the tombstone stands. Replacing its reason
                // would undo the erasure, and a later upload with the old URL would then be processed.
                return current;
            }
            else if ((current.State is JobState.Succeeded or JobState.Failed) && current.IsForSourceVersion(rejected.SourceETag))
            {
                return current;
            }
            else if (current.State == JobState.Succeeded)
            {
                result = await FailReplacedSuccessAsync(current, rejected, cancellationToken).ConfigureAwait(false);
            }
            else if (current.State == JobState.Failed)
            {
                // Failed -> Failed is not a transition; a newer rejected version only replaces the reason.
                result = await store.UpdateAsync(current, r => Fail(r, rejected), cancellationToken).ConfigureAwait(false);
            }
            else
            {
                result = await store.TransitionAsync(current, JobState.Failed, r => Fail(r, rejected), cancellationToken).ConfigureAwait(false);
            }

            if (result.Succeeded)
            {
                LogRejected(rejected.ScanId, rejected.ErrorCode ?? "");
                return result.Record;
            }
        }

        throw new InvalidOperationException($"Job {rejected.ScanId}/{rejected.ModelVersion} kept changing under concurrent writers; retry later.");
    }

    /// <summary>
    /// The record to decide on: the one among <paramref name="scanRecords"/> when the caller read them (intake reads the
    /// whole partition for its erasure check just before; reading the one record again cost every upload a second table
    /// read), else a read of its own. A record read a moment earlier is as safe as one read now: every write that follows
    /// is conditional (create-if-absent, or If-Match its ETag), so a record changed or created since makes the write lose
    /// and the next attempt reads afresh; and a decision to write nothing was as stale the instant a fresh read returned.
    /// </summary>
    private async Task<JobRecord?> CurrentAsync(string scanId, string modelVersion, IReadOnlyList<JobRecord>? scanRecords, CancellationToken cancellationToken) =>
        scanRecords is null
            ? await store.GetAsync(scanId, modelVersion, cancellationToken).ConfigureAwait(false)
            : scanRecords.FirstOrDefault(r => string.Equals(r.ScanId, scanId, StringComparison.Ordinal) && string.Equals(r.ModelVersion, modelVersion, StringComparison.Ordinal));

    /// <summary>
    /// Fails a Succeeded job for a rejected new version of its upload. Succeeded -> Failed is no transition: the new
    /// version takes the job back to Queued first, as an accepted new version does, and is failed from there. Its old
    /// results go unlisted (the record names no folder) and stay in their version's folder until the lifecycle rule
    /// removes them, as for an accepted new version; showing them under the new file would answer for content that is no
    /// longer there. Should the second write lose a race, the caller's next round finds the Queued record and fails it.
    /// </summary>
    private async Task<JobWriteResult> FailReplacedSuccessAsync(JobRecord succeeded, JobRecord rejected, CancellationToken cancellationToken)
    {
        var requeued = await store.TransitionAsync(succeeded, JobState.Queued, r => Fail(r, rejected) with { ResultPrefix = null, StartedAt = null, ScheduledFor = null }, cancellationToken).ConfigureAwait(false);
        return requeued.Succeeded
            ? await store.TransitionAsync(requeued.Record!, JobState.Failed, r => Fail(r, rejected), cancellationToken).ConfigureAwait(false)
            : requeued;
    }

    private bool BeingPublishedUnderOtherId(JobRecord current, ScanJob job) =>
        current.State == JobState.Queued
        && current.QueuedAt is null
        && current.MessageId != job.MessageId
        && current.IsForSourceVersion(job.SourceETag)
        && current.LastModified is { } reserved
        && clock.GetUtcNow() - reserved < ReservationTimeout;

    /// <summary>The retry whose message an unpublished reservation of this blob version waits for, if a retry made it.</summary>
    private static long? UnpublishedRetry(JobRecord current, ScanJob job) =>
        current.State == JobState.Queued && !current.IsPublished ? job.RetryOf(current.MessageId) : null;

    private static SkipReason? Decide(JobRecord current, ScanJob job, bool retryFailed)
    {
        if (current.CoversSourceVersion(job.SourceETag))
        {
            return SkipReason.Duplicate;
        }

        if (current.IsDeleted && job.Origin == JobOrigin.Upload)
        {
            // An erased upload's id is never processed again (intake checks first; this closes the race with an erasure
            // that tombstoned the record after that check). An archive file written again under its name is new data.
            return SkipReason.Erased;
        }

        if (current.SucceededForContent(job.SourceContentMd5))
        {
            return SkipReason.SameContentSucceeded;
        }

        // Any other Succeeded record for another blob version goes out again: the upload was replaced with other bytes
        // (its SAS allows writes for a while after the first upload), or they cannot be compared, and keeping the old
        // results could answer for content that is no longer there. Its results stay in their own version's folder until
        // the lifecycle rule removes them, as the replaced upload's own previous version does. (A replacement intake
        // rejects fails the record the same way: RejectAsync.)
        // An expired job is no verdict on its file, and an explicit retry overrides one: both go out again.
        return current.FailedForVersion(job.SourceETag) && !retryFailed ? SkipReason.AlreadyFailed : null;
    }

    private JobRecord NewRecord(ScanJob job, string? runId) =>
        WithJob(new JobRecord { ScanId = job.ScanId, ModelVersion = job.ModelVersion, State = JobState.Queued, CreatedAt = clock.GetUtcNow() }, job, runId);

    /// <summary>
    /// The record of an earlier version or attempt, cleared of its progress (the old message's worker claim too: it stands
    /// for no delivery of the new message) and pointed at the new job.
    /// </summary>
    private static JobRecord Requeue(JobRecord record, ScanJob job, string? runId) => WithJob(
        record with { QueuedAt = null, ScheduledFor = null, StartedAt = null, ClaimedBy = null, FinishedAt = null, ErrorCode = null, ErrorMessage = null, ResultPrefix = null },
        job,
        runId);

    /// <summary>The fields a record takes from the job it stands for: which blob version, which message, which run.</summary>
    private static JobRecord WithJob(JobRecord record, ScanJob job, string? runId) => record with
    {
        ModelName = job.ModelName,
        Origin = job.Origin,
        DetectedFormat = job.DetectedFormat,
        SourceBlobUri = job.SourceBlobUri,
        SourceETag = job.SourceETag,
        SourceContentMd5 = job.SourceContentMd5,
        MessageId = job.MessageId,
        CorrelationId = job.CorrelationId,
        RunId = runId,
    };

    private JobRecord Fail(JobRecord record, JobRecord rejected) => record with
    {
        ErrorCode = rejected.ErrorCode,
        ErrorMessage = rejected.ErrorMessage,
        FinishedAt = clock.GetUtcNow(),
        SourceBlobUri = rejected.SourceBlobUri,
        SourceETag = rejected.SourceETag,
        MessageId = rejected.MessageId,
        Origin = rejected.Origin,
        DetectedFormat = rejected.DetectedFormat,
        RunId = rejected.RunId,
        QueuedAt = null,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId}: its ScanJob could not be published ({Cause})")]
    private partial void LogPublishFailed(string scanId, string cause);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId}: after a failed publish its Failed record could not be put back ({Status} {ErrorCode}; status 0: no answer); it stays Queued until the expiry sweep")]
    private partial void LogUndoFailed(string scanId, int status, string? errorCode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId} rejected: {ErrorCode}")]
    private partial void LogRejected(string scanId, string errorCode);
}
