using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Messaging;
using Synomaly.GpuWorker.Options;
using Synomaly.GpuWorker.Status;
using Synomaly.GpuWorker.Telemetry;

namespace Synomaly.GpuWorker.Processing;

/// <summary>
/// Ends a delivery whose work failed or was stopped by the shutdown: bad input and exhausted attempts mark the job Failed
/// and dead-letter the message; other faults put the job back to Queued and abandon the message for another attempt.
/// The job record is written before the message is settled.
/// </summary>
internal sealed class FailedJobSettlement(
    IJobStatusSink status,
    TransientRetry retry,
    Redelivery redelivery,
    DeliverySettler settler,
    FinishedJobSettlement finished,
    WorkerOptions settings,
    WorkerTelemetry telemetry,
    ILogger logger)
{
    /// <summary>The verdict on a job the worker's shutdown interrupted on the broker's last allowed delivery.</summary>
    private static readonly FailureVerdict InterruptedOnLastDelivery = new(FailureKind.Transient, "Interrupted", "The worker shut down during the message's last allowed delivery.");

    /// <summary>Bad input fails the job at once; any other fault is retried until the delivery bound, then fails it.</summary>
    /// <param name="claim">The delivery's claim on the job, whether or not it got as far as writing it.</param>
    public async Task<JobOutcome> SettleFaultAsync(ScanJobDelivery delivery, ScanJob job, JobClaim claim, Exception error, Activity? activity, CancellationToken hold)
    {
        var verdict = FailureClassifier.Classify(error);
        if (verdict.Kind == FailureKind.Permanent)
        {
            return await FailAsync(delivery, job, claim, verdict, givingUp: false, activity, hold).ConfigureAwait(false);
        }

        if (delivery.DeliveryCount >= settings.MaxDeliveryCount)
        {
            var exhausted = verdict with { Description = $"Gave up after {delivery.DeliveryCount} attempts. {verdict.Description}" };
            return await GiveUpAsync(delivery, job, claim, exhausted, activity, hold).ConfigureAwait(false);
        }

        return await RetryLaterAsync(delivery, job, claim, verdict, error, activity, hold).ConfigureAwait(false);
    }

    /// <summary>
    /// Fails a job the system could not finish in its deliveries, with the log line the jobs-gave-up alert reads once the
    /// record holds the failure.
    /// </summary>
    public Task<JobOutcome> GiveUpAsync(ScanJobDelivery delivery, ScanJob job, JobClaim claim, FailureVerdict verdict, Activity? activity, CancellationToken hold) =>
        FailAsync(delivery, job, claim, verdict, givingUp: true, activity, hold);

    /// <summary>The shutdown deadline passed mid-job: the job goes back to Queued and the message to another worker.</summary>
    public async Task<JobOutcome> InterruptedAsync(ScanJobDelivery delivery, ScanJob job, JobClaim claim, Activity? activity, CancellationToken shutdown)
    {
        logger.LogInterrupted(job.ScanId);
        if (redelivery.IsBrokersLast(delivery))
        {
            // Given back now, the message would be dead-lettered by the broker without a reason, its job left Processing.
            return await FailAsync(delivery, job, claim, InterruptedOnLastDelivery, givingUp: false, activity, shutdown).ConfigureAwait(false);
        }

        await settler.TryAsync(() => status.MarkRetryingAsync(job, claim, "Interrupted", "The worker shut down during the job."), CancellationToken.None).ConfigureAwait(false);
        await settler.TryAsync(() => delivery.AbandonAsync(TimeSpan.Zero), CancellationToken.None).ConfigureAwait(false);
        telemetry.RecordOutcome(nameof(JobOutcome.Interrupted));
        return JobOutcome.Interrupted;
    }

    /// <summary>
    /// Job Failed first, then dead-letter: if the record cannot be written the message is abandoned instead, never lost;
    /// except on the broker's last allowed delivery, where abandoning would have the broker dead-letter it without a reason.
    /// A delivery that failed before it could claim the job, which another delivery's claim holds, fails nothing: it
    /// completes its message as that delivery's duplicate.
    /// </summary>
    /// <param name="givingUp">Whether the failure is the system's, not the job's: logged as given up once the record holds it.</param>
    private async Task<JobOutcome> FailAsync(ScanJobDelivery delivery, ScanJob job, JobClaim claim, FailureVerdict verdict, bool givingUp, Activity? activity, CancellationToken hold)
    {
        var heldByAnother = false;
        try
        {
            try
            {
                // Not cancelled by the hold: a verdict is recorded even when the lock is lost or the shutdown deadline passed.
                heldByAnother = !await retry.ExecuteAsync(ct => status.TryMarkFailedAsync(job, claim, verdict.Reason, verdict.Description, ct), CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                // Once the write has answered, before any settlement below: a copy refused for another copy's claim failed
                // no job, and its one line (CompleteAsDuplicateAsync) says so; a failure warning first read as a failed job.
                if (!heldByAnother)
                {
                    logger.LogFailed(job.ScanId, verdict.Reason, delivery.DeliveryCount);
                }
            }

            if (!heldByAnother)
            {
                // Counted here, once: the record makes the failure final whatever becomes of the dead letter, and a
                // redelivery that finds the record Failed only finishes the settlement.
                telemetry.RecordFailure(verdict.Reason, final: true);
                if (givingUp)
                {
                    logger.LogGaveUp(job.ScanId, delivery.DeliveryCount, verdict.Reason);
                }
            }
        }
        catch (JobTransitionRejectedException e) when (e.From == JobState.Failed)
        {
            // Already Failed (and counted) by another delivery.
        }
        catch (JobTransitionRejectedException e) when (e.From == JobState.Succeeded)
        {
            // The job has its results (this delivery marked it Succeeded and the shutdown cut its completion short, or
            // another delivery marked it): the failure is about the message only, so complete it. Abandoning would bring it back for ever. (Should the
            // completion itself fail, the next delivery finds the record Succeeded and completes it first thing.)
            return await finished.SettleFinishedAsync(delivery, job, e.From, activity).ConfigureAwait(false);
        }
        catch (JobSupersededException e)
        {
            // The scan was queued again for a newer upload, or erased: this message's failure (often SourceChanged, the
            // blob was replaced) is no news about the newer job, whose record it must not touch.
            return await finished.CompleteSupersededAsync(delivery, job, e, activity, hold).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not MessageLockLostException)
        {
            if (redelivery.IsBrokersLast(delivery))
            {
                // The record stays as it is either way (the expiry sweep ends it); the worker's dead letter at least says
                // why, and the log line raises the jobs-gave-up alert.
                logger.LogGaveUpUnrecorded(job.ScanId, delivery.DeliveryCount, verdict.Reason, e.GetType().Name);
                return await settler.DeadLetterAsync(activity, verdict, delivery).ConfigureAwait(false);
            }

            // Counted like any attempt given back for a retry: the verdict is not final until a record holds it.
            logger.LogStatusWriteFailed(job.ScanId, e.GetType().Name);
            activity?.SetStatus(ActivityStatusCode.Error, verdict.Reason);
            telemetry.RecordFailure(verdict.Reason, final: false);
            await settler.TryAsync(() => redelivery.AbandonAsync(delivery, hold), CancellationToken.None).ConfigureAwait(false);
            telemetry.RecordOutcome(nameof(JobOutcome.Retrying));
            return JobOutcome.Retrying;
        }

        if (heldByAnother)
        {
            // Another copy's delivery holds the job (this one failed before it could claim it: the record read, the
            // completion marker's check or the claim's write), and carries it to its end. Failed here, the job would lose
            // that copy's result; dead-lettered, this copy would say the job failed.
            return await CompleteAsDuplicateAsync(delivery, job, verdict, activity).ConfigureAwait(false);
        }

        return await settler.DeadLetterFailedJobAsync(activity, verdict, delivery, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Completes the message as another delivery's duplicate; this path runs in the handler's catch, so a lost lock ends here.</summary>
    private async Task<JobOutcome> CompleteAsDuplicateAsync(ScanJobDelivery delivery, ScanJob job, FailureVerdict verdict, Activity? activity)
    {
        try
        {
            return await finished.CompleteRefusedFailureAsync(delivery, job, verdict.Reason, activity, CancellationToken.None).ConfigureAwait(false);
        }
        catch (MessageLockLostException)
        {
            telemetry.RecordOutcome(nameof(JobOutcome.LockLost));
            return JobOutcome.LockLost;
        }
    }

    /// <summary>
    /// Back to Queued under <paramref name="claim"/>: a delivery that failed before it could claim the job leaves another
    /// delivery's claim standing (<see cref="IJobStatusSink.MarkRetryingAsync"/>), and its redelivery finds it a duplicate.
    /// </summary>
    private async Task<JobOutcome> RetryLaterAsync(ScanJobDelivery delivery, ScanJob job, JobClaim claim, FailureVerdict verdict, Exception error, Activity? activity, CancellationToken hold)
    {
        logger.LogRetrying(job.ScanId, verdict.Reason, error.GetType().Name, delivery.DeliveryCount, settings.MaxDeliveryCount);
        await settler.TryAsync(() => retry.ExecuteAsync(ct => status.MarkRetryingAsync(job, claim, verdict.Reason, verdict.Description, ct)), CancellationToken.None).ConfigureAwait(false);
        return await settler.AbandonAsync(activity, verdict, _ => redelivery.AbandonAsync(delivery, hold)).ConfigureAwait(false);
    }
}
