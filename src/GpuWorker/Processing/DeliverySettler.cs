using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Synomaly.GpuWorker.Messaging;
using Synomaly.GpuWorker.Telemetry;

namespace Synomaly.GpuWorker.Processing;

/// <summary>
/// The settle calls every settlement path shares: settling with a verdict (counted, marked on the span, retried on
/// transient faults, a lost lock reported as such) and best-effort steps on paths that already give up.
/// </summary>
internal sealed class DeliverySettler(TransientRetry retry, WorkerTelemetry telemetry, ILogger logger)
{
    /// <summary>Ends the job's message for good, with the verdict's reason on the dead letter.</summary>
    public Task<JobOutcome> DeadLetterAsync(Activity? activity, FailureVerdict verdict, ScanJobDelivery delivery) =>
        SettleAsync(activity, verdict, final: true, ct => delivery.DeadLetterAsync(verdict.Reason, verdict.Description, ct), JobOutcome.DeadLettered);

    /// <summary>
    /// Settles with the verdict, retrying transient faults: a passing 5xx from the broker must not escape to the pump, whose
    /// redelivery would find the record Failed and lose the verdict's reason (the job's record is already written).
    /// </summary>
    public async Task<JobOutcome> SettleAsync(
        Activity? activity, FailureVerdict verdict, bool final, Func<CancellationToken, Task> settle, JobOutcome outcome, CancellationToken cancellationToken = default)
    {
        telemetry.RecordFailure(verdict.Reason, final);
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

        telemetry.RecordOutcome(outcome.ToString());
        return outcome;
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
