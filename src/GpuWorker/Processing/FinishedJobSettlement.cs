using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Messaging;
using Synomaly.GpuWorker.Options;
using Synomaly.GpuWorker.Results;
using Synomaly.GpuWorker.Status;
using Synomaly.GpuWorker.Telemetry;

namespace Synomaly.GpuWorker.Processing;

/// <summary>
/// Ends a delivery whose job needs no more work from it: the job already has its results, another delivery already
/// failed it or is running it, or its record no longer stands for this message (the scan was uploaded again, retried or erased). Never
/// runs the model and never moves a finished job.
/// </summary>
internal sealed class FinishedJobSettlement(
    IJobStatusSink status,
    ResultWriter writer,
    TransientRetry retry,
    Redelivery redelivery,
    DeliverySettler settler,
    WorkerOptions settings,
    WorkerTelemetry telemetry,
    ILogger logger)
{
    /// <summary>
    /// The reason a message whose job another delivery already failed is dead-lettered with when the record names no error
    /// code (or cannot be read); otherwise the record's code is the reason, so the dead letter says why the job failed.
    /// </summary>
    private const string AlreadyFailed = "AlreadyFailed";

    public async Task<JobOutcome> CompleteAlreadyDoneAsync(ScanJobDelivery delivery, ScanJob job, Activity? activity, CancellationToken cancellationToken)
    {
        if (!await settler.TryCompleteAsync(delivery, job.ScanId, cancellationToken).ConfigureAwait(false))
        {
            return JobOutcome.Unsettled;
        }

        logger.LogAlreadyDone(job.ScanId);
        activity?.SetTag("synomaly.already_done", true);
        telemetry.RecordOutcome(nameof(JobOutcome.AlreadyDone));
        return JobOutcome.AlreadyDone;
    }

    /// <summary>
    /// Completes a copy of a message whose job a delivery of another copy has started (<see cref="JobOutcome.Duplicate"/>):
    /// nothing is run, written or moved, so the results and the record stay that delivery's.
    /// </summary>
    public Task<JobOutcome> CompleteDuplicateAsync(ScanJobDelivery delivery, ScanJob job, Activity? activity, CancellationToken cancellationToken) =>
        CompleteDuplicateAsync(delivery, job, () => logger.LogDuplicate(job.ScanId), activity, cancellationToken);

    /// <summary>
    /// Completes a copy that failed with <paramref name="reason"/> before it could claim the job, whose Failed mark another
    /// copy's claim refused: a duplicate whose one line says both, since a failure line first read as a failed job.
    /// </summary>
    public Task<JobOutcome> CompleteRefusedFailureAsync(ScanJobDelivery delivery, ScanJob job, string reason, Activity? activity, CancellationToken cancellationToken) =>
        CompleteDuplicateAsync(delivery, job, () => logger.LogFailedUnderAnotherCopy(job.ScanId, reason, delivery.DeliveryCount), activity, cancellationToken);

    private async Task<JobOutcome> CompleteDuplicateAsync(ScanJobDelivery delivery, ScanJob job, Action logCompleted, Activity? activity, CancellationToken cancellationToken)
    {
        if (!await settler.TryCompleteAsync(delivery, job.ScanId, cancellationToken).ConfigureAwait(false))
        {
            return JobOutcome.Unsettled;
        }

        logCompleted();
        activity?.SetTag("synomaly.duplicate", true);
        telemetry.RecordOutcome(nameof(JobOutcome.Duplicate));
        return JobOutcome.Duplicate;
    }

    /// <summary>Dead-letters the message of a job whose record is already Failed, with the record's error code as the reason.</summary>
    public Task<JobOutcome> DeadLetterAlreadyFailedAsync(ScanJobDelivery delivery, string? errorCode, Activity? activity, CancellationToken cancellationToken)
    {
        var verdict = new FailureVerdict(
            FailureKind.Permanent,
            errorCode ?? AlreadyFailed,
            errorCode is null ? "The job record is already Failed." : $"The job record was already Failed ({errorCode}) by an earlier delivery of this message.");
        return settler.DeadLetterFailedJobAsync(activity, verdict, delivery, cancellationToken);
    }

    /// <summary>Settles the message as its job stands: dead-lettered if the job is Failed, completed if it Succeeded.</summary>
    public async Task<JobOutcome> SettleFinishedAsync(ScanJobDelivery delivery, ScanJob job, JobState state, Activity? activity)
    {
        if (state == JobState.Failed)
        {
            return await DeadLetterAlreadyFailedAsync(delivery, await FailedErrorCodeAsync(job).ConfigureAwait(false), activity, CancellationToken.None).ConfigureAwait(false);
        }

        try
        {
            return await CompleteAlreadyDoneAsync(delivery, job, activity, CancellationToken.None).ConfigureAwait(false);
        }
        catch (MessageLockLostException)
        {
            telemetry.RecordOutcome(nameof(JobOutcome.LockLost));
            return JobOutcome.LockLost;
        }
    }

    public async Task<JobOutcome> CompleteSupersededAsync(ScanJobDelivery delivery, ScanJob job, JobSupersededException superseded, Activity? activity, CancellationToken hold)
    {
        if (superseded.RecordErased)
        {
            // The scan was erased. Whatever a delivery of this message wrote under its results folder (this run, or an
            // earlier one that lost its lock, was interrupted or crashed) is patient-derived data the erasure did not see:
            // it goes before the message does, or the message stays for another try.
            try
            {
                var removed = await retry.ExecuteAsync(ct => writer.RemoveAsync(job, ct), CancellationToken.None).ConfigureAwait(false);
                if (removed > 0)
                {
                    logger.LogErasedResultsRemoved(job.ScanId, removed);
                }
            }
            catch (Exception e)
            {
                return await RetryErasureLaterAsync(delivery, job, e, activity, hold).ConfigureAwait(false);
            }
        }

        try
        {
            if (!await settler.TryCompleteAsync(delivery, job.ScanId, CancellationToken.None).ConfigureAwait(false))
            {
                return JobOutcome.Unsettled;
            }
        }
        catch (MessageLockLostException)
        {
            telemetry.RecordOutcome(nameof(JobOutcome.LockLost));
            return JobOutcome.LockLost;
        }

        logger.LogSuperseded(job.ScanId);
        activity?.SetTag("synomaly.superseded", true);
        telemetry.RecordOutcome(nameof(JobOutcome.Superseded));
        return JobOutcome.Superseded;
    }

    /// <summary>
    /// The erased scan's results could not be removed: the tombstone must stay as it is, so unlike other faults nothing is
    /// written to the record. The message is abandoned for another try and, on the last allowed delivery, dead-lettered
    /// with the reason and logged as given up (the jobs-gave-up alert): repeating the erasure removes what is left.
    /// </summary>
    private async Task<JobOutcome> RetryErasureLaterAsync(ScanJobDelivery delivery, ScanJob job, Exception error, Activity? activity, CancellationToken hold)
    {
        var fault = FailureClassifier.Classify(error);
        var verdict = new FailureVerdict(FailureKind.Transient, ScanJobHandler.ErasureIncomplete, $"The scan was erased, but result files this message wrote could not be removed ({fault.Reason}).");
        if (delivery.DeliveryCount >= settings.MaxDeliveryCount)
        {
            logger.LogErasureGaveUp(job.ScanId, delivery.DeliveryCount, fault.Reason);
            return await settler.DeadLetterAsync(activity, verdict, delivery).ConfigureAwait(false);
        }

        logger.LogRetrying(job.ScanId, verdict.Reason, error.GetType().Name, delivery.DeliveryCount, settings.MaxDeliveryCount);
        return await settler.AbandonAsync(activity, verdict, _ => redelivery.AbandonAsync(delivery, hold)).ConfigureAwait(false);
    }

    /// <summary>The error code of the job's Failed record; null (the dead letter then says AlreadyFailed) when it cannot be read.</summary>
    private async Task<string?> FailedErrorCodeAsync(ScanJob job)
    {
        try
        {
            return (await retry.ExecuteAsync(ct => status.GetRecordAsync(job, ct), CancellationToken.None).ConfigureAwait(false))?.ErrorCode;
        }
        catch (Exception e)
        {
            logger.LogBestEffortFailed(e.GetType().Name);
            return null;
        }
    }
}
