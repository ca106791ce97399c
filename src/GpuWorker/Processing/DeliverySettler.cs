using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Synomaly.GpuWorker.Messaging;
using Synomaly.GpuWorker.Telemetry;

namespace Synomaly.GpuWorker.Processing;

/// <summary>
/// The settle calls every settlement path shares: settling with a verdict (counted, marked on the span, retried on
/// transient faults, a lost lock reported as such), completing the message of a job that needs no more work (retried the
/// same way) and best-effort steps on paths that already give up. A job's final
/// failure is counted once: when its record is marked Failed (<see cref="FailedJobSettlement"/>), or, where no record
/// holds it, when its dead letter is done; never again for the dead letter of a record already Failed.
/// </summary>
internal sealed class DeliverySettler(TransientRetry retry, WorkerTelemetry telemetry, ILogger logger)
{
    /// <summary>
    /// Ends for good a message whose failure no job record holds (an invalid message, a Failed record that could not be
    /// written, an erased scan's results that could not be removed): the dead letter is what makes the failure final, so
    /// it is counted once the dead letter is done.
    /// </summary>
    public Task<JobOutcome> DeadLetterAsync(Activity? activity, FailureVerdict verdict, ScanJobDelivery delivery) =>
        SettleAsync(activity, verdict, ct => delivery.DeadLetterAsync(verdict.Reason, verdict.Description, ct), JobOutcome.DeadLettered, countsFinalFailure: true, CancellationToken.None);

    /// <summary>
    /// Dead-letters the message of a job whose record is Failed. Not counted: the failure was counted when the record was
    /// marked Failed, by this delivery or by an earlier one whose own dead letter did not go through (a lost lock).
    /// </summary>
    public Task<JobOutcome> DeadLetterFailedJobAsync(Activity? activity, FailureVerdict verdict, ScanJobDelivery delivery, CancellationToken cancellationToken) =>
        SettleAsync(activity, verdict, ct => delivery.DeadLetterAsync(verdict.Reason, verdict.Description, ct), JobOutcome.DeadLettered, countsFinalFailure: false, cancellationToken);

    /// <summary>Gives the message back for another attempt: one failed attempt, counted whether or not the abandon goes through.</summary>
    public Task<JobOutcome> AbandonAsync(Activity? activity, FailureVerdict verdict, Func<CancellationToken, Task> abandon)
    {
        telemetry.RecordFailure(verdict.Reason, final: false);
        return SettleAsync(activity, verdict, abandon, JobOutcome.Retrying, countsFinalFailure: false, CancellationToken.None);
    }

    /// <summary>
    /// Settles with the verdict, retrying transient faults: a passing 5xx from the broker must not escape to the pump, whose
    /// redelivery would find the record Failed and lose the verdict's reason (the job's record is already written).
    /// </summary>
    private async Task<JobOutcome> SettleAsync(
        Activity? activity, FailureVerdict verdict, Func<CancellationToken, Task> settle, JobOutcome outcome, bool countsFinalFailure, CancellationToken cancellationToken)
    {
        activity?.SetStatus(ActivityStatusCode.Error, verdict.Reason);
        try
        {
            await retry.ExecuteAsync(settle, cancellationToken).ConfigureAwait(false);
        }
        catch (MessageLockLostException)
        {
            telemetry.RecordOutcome(nameof(JobOutcome.LockLost));
            return JobOutcome.LockLost;
        }

        if (countsFinalFailure)
        {
            telemetry.RecordFailure(verdict.Reason, final: true);
        }

        telemetry.RecordOutcome(outcome.ToString());
        return outcome;
    }

    /// <summary>
    /// Completes the message of a job that needs no more work from it (its record finished, or standing for another
    /// message), retrying transient faults as the other settlements are. A complete that still fails is no fault of the
    /// job: retrying the job would move a finished record, and failing it would raise the jobs-gave-up alert for a job that
    /// has its results. The message is left unsettled instead (a warning, <see cref="JobOutcome.Unsettled"/>) and its
    /// redelivery completes it. A lost lock and the caller's own cancellation still escape to the handler's handling of them.
    /// </summary>
    /// <returns>Whether the message was completed.</returns>
    public async Task<bool> TryCompleteAsync(ScanJobDelivery delivery, string scanId, CancellationToken cancellationToken)
    {
        try
        {
            await retry.ExecuteAsync(delivery.CompleteAsync, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is not MessageLockLostException && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            logger.LogCompletionFailed(scanId, delivery.DeliveryCount, e.GetType().Name);
            telemetry.RecordOutcome(nameof(JobOutcome.Unsettled));
            return false;
        }
    }

    /// <summary>Best effort on paths that already give up: a failure here only means the broker redelivers later.</summary>
    public async Task TryAsync(Func<Task> action, CancellationToken cancellationToken)
    {
        try
        {
            await action().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.LogBestEffortFailed(e.GetType().Name);
        }
    }
}
