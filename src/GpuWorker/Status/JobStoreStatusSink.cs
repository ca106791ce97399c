using Synomaly.Contracts;
using Synomaly.GpuWorker.Processing;
using Synomaly.Storage.Jobs;

namespace Synomaly.GpuWorker.Status;

/// <summary>
/// The worker's job transitions on the shared <see cref="JobStore"/> (Table <c>jobs</c>): each one reads the record and
/// replaces it only if its ETag is unchanged, re-reading on a race. A job that has no record (published by hand, or its
/// intake record was lost) gets one created from the ScanJob, so its status is still queryable. A record that stands for
/// another message of the scan (a newer upload) is never touched: every operation throws <see cref="JobSupersededException"/>.
/// Nor is a finished one (<see cref="WorkerTransitions"/>).
/// </summary>
public sealed class JobStoreStatusSink(JobStore store, TimeProvider time) : IJobStatusSink
{
    public async Task<RecordedJob?> GetRecordAsync(ScanJob job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var record = await store.GetAsync(job.ScanId, job.ModelVersion, cancellationToken).ConfigureAwait(false);
        JobSupersededException.ThrowIfOtherMessage(record?.MessageId, job);

        return record is null ? null : new RecordedJob(record.State, record.SourceBlobUri, record.ErrorCode);
    }

    /// <summary>
    /// Starts the job under the delivery's claim, checked on every read of the record before the ETag-checked write, so a
    /// claim written by another delivery between this one's read and its write is seen on the re-read after the lost race.
    /// A record without QueuedAt (its intake published the message and then died before confirming it) takes the message's
    /// SubmittedAt, written just before the publish: only a published message reaches a worker.
    /// </summary>
    public Task<bool> TryClaimAsync(ScanJob job, JobClaim claim, CancellationToken cancellationToken = default) =>
        MoveUnderClaimAsync(
            job,
            claim,
            JobState.Processing,
            r => r with { Attempts = Math.Max(r.Attempts, claim.DeliveryCount), StartedAt = time.GetUtcNow(), QueuedAt = r.QueuedAt ?? job.SubmittedAt, ClaimedBy = claim.Value },
            cancellationToken);

    /// <summary>Checked on every read of the record before the ETag-checked write, as the claim is.</summary>
    public Task MarkRetryingAsync(ScanJob job, JobClaim claim, string errorCode, string errorMessage, CancellationToken cancellationToken = default) =>
        // Refused when another delivery holds the job: its record stays as that delivery has it.
        MoveUnderClaimAsync(
            job,
            claim,
            JobState.Queued,
            r => r with { Attempts = Math.Max(r.Attempts, claim.DeliveryCount), ErrorCode = errorCode, ErrorMessage = errorMessage },
            cancellationToken);

    public Task MarkSucceededAsync(ScanJob job, string resultsPrefix, CancellationToken cancellationToken = default) =>
        MoveAsync(job, JobState.Succeeded, r => r with { ResultPrefix = resultsPrefix, FinishedAt = time.GetUtcNow(), ErrorCode = null, ErrorMessage = null }, cancellationToken);

    /// <summary>
    /// Fails the job. One that found its source gone forgets the source's URI: the file was deleted (an archive scan's owner
    /// removing it after a bulk run listed it, whose erasure ran before this record existed), and its name, the owner's
    /// file name for an archive scan, must not outlive it.
    /// </summary>
    /// <remarks>Another delivery's claim is checked on every read of the record before the ETag-checked write, as the claim is.</remarks>
    public Task<bool> TryMarkFailedAsync(ScanJob job, JobClaim claim, string errorCode, string errorMessage, CancellationToken cancellationToken = default) =>
        MoveUnderClaimAsync(
            job,
            claim,
            JobState.Failed,
            r => r with
            {
                FinishedAt = time.GetUtcNow(),
                ErrorCode = errorCode,
                ErrorMessage = errorMessage,
                SourceBlobUri = errorCode == JobRejectedException.SourceMissing ? null : r.SourceBlobUri,
            },
            cancellationToken);

    /// <summary>
    /// The move, refused (false, nothing written) where a record read is Processing under a claim that
    /// <paramref name="claim"/>'s delivery may not take over: checked on every read before the ETag-checked write, so a claim
    /// written between this delivery's read and its write is seen on the re-read after the lost race.
    /// </summary>
    private async Task<bool> MoveUnderClaimAsync(ScanJob job, JobClaim claim, JobState to, Func<JobRecord, JobRecord> update, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        try
        {
            await MoveAsync(job, to, update, cancellationToken, RefuseAnotherDeliverysClaim(claim)).ConfigureAwait(false);
            return true;
        }
        catch (ClaimedByAnotherDeliveryException)
        {
            return false;
        }
    }

    /// <param name="require">A further check of every record read before it is written, which may throw to refuse it.</param>
    private async Task MoveAsync(ScanJob job, JobState to, Func<JobRecord, JobRecord> update, CancellationToken cancellationToken, Action<JobRecord>? require = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        var result = await TransitionOwnAsync(job, to, update, require, cancellationToken).ConfigureAwait(false);
        if (result.Outcome == JobWriteOutcome.NotFound)
        {
            result = await store.CreateAsync(update(FromJob(job) with { State = to }), cancellationToken).ConfigureAwait(false);
            if (result.Outcome == JobWriteOutcome.AlreadyExists)
            {
                // Created by someone else in between: apply the transition to that record instead.
                result = await TransitionOwnAsync(job, to, update, require, cancellationToken).ConfigureAwait(false);
            }
        }

        switch (result.Outcome)
        {
            case JobWriteOutcome.Written:
                return;
            case JobWriteOutcome.NotAllowed:
                throw new JobTransitionRejectedException(result.Record!.State, to);
            default:
                throw new JobStatusConflictException($"The job record could not be moved to {to}: {result.Outcome} after repeated attempts.");
        }
    }

    /// <summary>
    /// The transition on the latest record, re-read on every ETag race, and only while the record stands for this job's
    /// message: an intake that requeued the scan for a newer upload in between makes this message stale.
    /// </summary>
    private Task<JobWriteResult> TransitionOwnAsync(ScanJob job, JobState to, Func<JobRecord, JobRecord> update, Action<JobRecord>? require, CancellationToken cancellationToken) =>
        store.TransitionLatestAsync(
            job.ScanId,
            job.ModelVersion,
            to,
            update,
            require: record =>
            {
                JobSupersededException.ThrowIfOtherMessage(record.MessageId, job);
                WorkerTransitions.Require(record.State, to);
                require?.Invoke(record);
            },
            cancellationToken: cancellationToken);

    /// <summary>The check that refuses a record Processing under a claim that <paramref name="claim"/>'s delivery may not take over.</summary>
    private static Action<JobRecord> RefuseAnotherDeliverysClaim(JobClaim claim) => record =>
    {
        if (record.State == JobState.Processing && !claim.MayTakeOver(record.ClaimedBy, record.StartedAt))
        {
            throw new ClaimedByAnotherDeliveryException();
        }
    };

    /// <summary>Refuses a record another delivery has claimed; never leaves this class (the claim and the failure answer false, a retry writes nothing).</summary>
    private sealed class ClaimedByAnotherDeliveryException : Exception;

    private static JobRecord FromJob(ScanJob job) => new()
    {
        ScanId = job.ScanId,
        ModelVersion = job.ModelVersion,
        ModelName = job.ModelName,
        Origin = job.Origin,
        DetectedFormat = job.DetectedFormat,
        SourceBlobUri = job.SourceBlobUri,
        SourceETag = job.SourceETag,
        MessageId = job.MessageId,
        CorrelationId = job.CorrelationId,
        QueuedAt = job.SubmittedAt,
    };
}
