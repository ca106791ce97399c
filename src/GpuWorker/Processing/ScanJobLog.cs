using Microsoft.Extensions.Logging;

namespace Synomaly.GpuWorker.Processing;

/// <summary>
/// The log lines of a job's handling, in one place because the alerts read them ("gave up after", jobs-gave-up in
/// infra/modules/alerts.bicep). Written through the handler's logger by every settlement class, so each line keeps the
/// ScanJobHandler category it always had.
/// </summary>
internal static partial class ScanJobLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId} succeeded: {Slices} slices")]
    public static partial void LogSucceeded(this ILogger logger, string scanId, int slices);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId} already has results; completed without running the model")]
    public static partial void LogAlreadyDone(this ILogger logger, string scanId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId}: another copy of this message is already processing the job; this copy was completed without running the model")]
    public static partial void LogDuplicate(this ILogger logger, string scanId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId}: the message is stale (its job record was taken over by a newer upload, a retry or an erasure); completed without touching the job")]
    public static partial void LogSuperseded(this ILogger logger, string scanId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId}: uploaded again or erased while this run wrote its results; removed the {Count} result files no job will point at")]
    public static partial void LogOrphanedResultsRemoved(this ILogger logger, string scanId, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId} was erased; removed the {Count} result files deliveries of this message wrote")]
    public static partial void LogErasedResultsRemoved(this ILogger logger, string scanId, int count);

    // Erased patient-derived data is still stored: the jobs-gave-up alert looks for "gave up after".
    [LoggerMessage(Level = LogLevel.Error, Message = "Scan {ScanId}: gave up after {DeliveryCount} deliveries removing the results of the erased scan ({Reason}); dead-lettered, repeat the erasure")]
    public static partial void LogErasureGaveUp(this ILogger logger, string scanId, int deliveryCount, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId}: removed {Count} result files an interrupted earlier run left; running again")]
    public static partial void LogPartialResultsRemoved(this ILogger logger, string scanId, int count);

    // Written once the write marking the record Failed has answered, before the settlement, so it says no more than that:
    // the dead letter that usually follows, or, should the write fail, the abandon, is left to the outcome and to the
    // "could not be marked Failed" line. Not written where another copy's claim refused the mark (LogFailedUnderAnotherCopy).
    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId} failed with {Reason} on delivery {DeliveryCount}; marking the job Failed")]
    public static partial void LogFailed(this ILogger logger, string scanId, string reason, int deliveryCount);

    // The job is not failed: another copy runs it, and this copy, whose fault came before it could claim the job, is its duplicate.
    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId}: this copy failed with {Reason} on delivery {DeliveryCount} before it could claim the job, which another copy of this message is processing; completed without failing the job")]
    public static partial void LogFailedUnderAnotherCopy(this ILogger logger, string scanId, string reason, int deliveryCount);

    // Not bad input but the system failing the same job again and again (storage, device, a worker that dies mid-job):
    // the "jobs-gave-up" alert (infra/modules/alerts.bicep) looks for this line.
    [LoggerMessage(Level = LogLevel.Error, Message = "Scan {ScanId}: gave up after {DeliveryCount} deliveries ({Reason}); the job fails")]
    public static partial void LogGaveUp(this ILogger logger, string scanId, int deliveryCount, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scan {ScanId}: gave up after {DeliveryCount} deliveries ({Reason}); the job record could not be marked Failed ({ErrorType}), so the worker dead-letters the message before the broker does without a reason")]
    public static partial void LogGaveUpUnrecorded(this ILogger logger, string scanId, int deliveryCount, string reason, string errorType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId} hit a fault {Reason} ({ErrorType}) on delivery {DeliveryCount} of {MaxDeliveryCount}; abandoning for redelivery")]
    public static partial void LogRetrying(this ILogger logger, string scanId, string reason, string errorType, int deliveryCount, int maxDeliveryCount);

    // LockLoss names why: RenewalLimitReached (the job outran Worker__LockRenewalMinutes), RenewalRefused, LockExpired
    // (renewals kept failing), SettlementRefused or KeeperFailed, with the error's type where there is one.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId}: message lock lost on delivery {DeliveryCount} ({LockLoss}); work stopped, the broker redelivers")]
    public static partial void LogLockLost(this ILogger logger, string scanId, int deliveryCount, string lockLoss);

    // Never "gave up": the job is finished (or its message stale), only the broker failed, and the redelivery completes it.
    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId} needs no more work, but its message could not be completed on delivery {DeliveryCount} ({ErrorType}); left unsettled, its redelivery completes it")]
    public static partial void LogCompletionFailed(this ILogger logger, string scanId, int deliveryCount, string errorType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId} interrupted by shutdown; abandoned for another worker")]
    public static partial void LogInterrupted(this ILogger logger, string scanId);

    [LoggerMessage(Level = LogLevel.Error, Message = "A message that is not a valid ScanJob was dead-lettered: {Description}")]
    public static partial void LogInvalidMessage(this ILogger logger, string description);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scan {ScanId}: the job record could not be marked Failed ({ErrorType}); abandoning so a later delivery settles it")]
    public static partial void LogStatusWriteFailed(this ILogger logger, string scanId, string errorType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A best-effort settlement step failed ({ErrorType})")]
    public static partial void LogBestEffortFailed(this ILogger logger, string errorType);
}
