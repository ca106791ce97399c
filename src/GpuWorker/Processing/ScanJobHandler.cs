using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Inference;
using Synomaly.GpuWorker.Messaging;
using Synomaly.GpuWorker.Options;
using Synomaly.GpuWorker.Results;
using Synomaly.GpuWorker.Scans;
using Synomaly.GpuWorker.Status;
using Synomaly.GpuWorker.Telemetry;

namespace Synomaly.GpuWorker.Processing;

/// <summary>
/// Processes one delivery end to end and settles it explicitly. Idempotent, because every transport redelivers: a job whose
/// record is Succeeded or whose completion marker exists is completed without running the model; results are conditional
/// creates at deterministic paths. The job record is always updated before the message is settled, so a job never stays
/// Processing once its message is gone (a crash in between only causes a redelivery that settles it).
/// </summary>
public sealed partial class ScanJobHandler(
    IJobStatusSink status,
    IScanBlobReader reader,
    IScanCodec codec,
    InferenceHost model,
    SliceBatcher batcher,
    ResultWriter writer,
    TransientRetry retry,
    ProcessingPolicy policy,
    IOptions<WorkerOptions> options,
    WorkerTelemetry telemetry,
    TimeProvider time,
    ILogger<ScanJobHandler> logger)
{
    /// <summary>
    /// The reason a message whose job another delivery already failed is dead-lettered with when the record names no error
    /// code (or cannot be read); otherwise the record's code is the reason, so the dead letter says why the job failed.
    /// </summary>
    private const string AlreadyFailed = "AlreadyFailed";

    /// <summary>The verdict on a job the worker's shutdown interrupted on the broker's last allowed delivery.</summary>
    private static readonly FailureVerdict InterruptedOnLastDelivery = new(FailureKind.Transient, "Interrupted", "The worker shut down during the message's last allowed delivery.");

    /// <summary>The reason a message of an erased scan is retried, then dead-lettered: results it wrote are still there.</summary>
    public const string ErasureIncomplete = "ErasureIncomplete";

    private readonly WorkerOptions settings = options.Value;
    private readonly Redelivery redelivery = new(policy, time, options.Value.MaxDeliveryCount);

    /// <summary>Handles one delivery. <paramref name="shutdown"/> is cancelled when the shutdown deadline has passed.</summary>
    public async Task<JobOutcome> HandleAsync(ScanJobDelivery delivery, CancellationToken shutdown = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        using var activity = WorkerTelemetry.Source.StartActivity("ScanJob process", ActivityKind.Consumer);
        activity?.SetTag("messaging.message.id", delivery.MessageId);
        activity?.SetTag("messaging.delivery_count", delivery.DeliveryCount);
        telemetry.RecordQueueWait(time.GetUtcNow() - delivery.EnqueuedAt);

        ScanJob job;
        try
        {
            job = ScanJobSerializer.Deserialize(delivery.Body.ToMemory().Span);
        }
        catch (Exception e)
        {
            // No trustworthy scan id, so no job record to update: the dead-letter queue keeps the message and the reason.
            // Whatever the decoding throws (the serializer's typed error, or a body the transport cannot hand over, such as
            // a Service Bus message whose AMQP body is not data) is about this message and would throw again on every
            // redelivery: left to escape, the message would never be dead-lettered (a Storage queue redelivers it for ever).
            var verdict = FailureClassifier.Classify(e as InvalidScanJobException ?? new InvalidScanJobException($"The message body could not be read ({e.GetType().Name}).", e));
            LogInvalidMessage(verdict.Description);
            return await DeadLetterAsync(activity, verdict, delivery).ConfigureAwait(false);
        }

        activity?.SetTag("synomaly.scan_id", job.ScanId);
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["ScanId"] = job.ScanId });
        await using var keeper = MessageLockKeeper.Start(delivery, settings.LockRenewalBound, time);
        using var work = CancellationTokenSource.CreateLinkedTokenSource(keeper.LockLost, shutdown);
        try
        {
            return await ProcessAsync(delivery, job, activity, work.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (keeper.IsLockLost || e is MessageLockLostException)
        {
            LogLockLost(job.ScanId, delivery.DeliveryCount);
            telemetry.RecordOutcome(nameof(JobOutcome.LockLost));
            activity?.SetStatus(ActivityStatusCode.Error, "lock lost");
            return JobOutcome.LockLost;
        }
        catch (JobSupersededException e)
        {
            return await CompleteSupersededAsync(delivery, job, e, activity, work.Token).ConfigureAwait(false);
        }
        catch (JobTransitionRejectedException e) when (e.From.IsTerminal())
        {
            // Another delivery of this message (a duplicate, or one whose lock this one took over) finished the job while
            // this one ran: settle this one as that job stands. Retrying would move a finished job.
            return await SettleFinishedAsync(delivery, job, e.From, activity).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            LogInterrupted(job.ScanId);
            if (redelivery.IsBrokersLast(delivery))
            {
                // Given back now, the message would be dead-lettered by the broker without a reason, its job left Processing.
                return await FailAsync(delivery, job, InterruptedOnLastDelivery, activity, shutdown).ConfigureAwait(false);
            }

            await TryAsync(() => status.MarkRetryingAsync(job, delivery.DeliveryCount, "Interrupted", "The worker shut down during the job."), CancellationToken.None).ConfigureAwait(false);
            await TryAsync(() => delivery.AbandonAsync(TimeSpan.Zero), CancellationToken.None).ConfigureAwait(false);
            telemetry.RecordOutcome(nameof(JobOutcome.Interrupted));
            return JobOutcome.Interrupted;
        }
        catch (Exception e)
        {
            var verdict = FailureClassifier.Classify(e);
            if (verdict.Kind == FailureKind.Permanent)
            {
                return await FailAsync(delivery, job, verdict, activity, work.Token).ConfigureAwait(false);
            }

            if (delivery.DeliveryCount >= settings.MaxDeliveryCount)
            {
                var exhausted = verdict with { Description = $"Gave up after {delivery.DeliveryCount} attempts. {verdict.Description}" };
                LogGaveUp(job.ScanId, delivery.DeliveryCount, verdict.Reason);
                return await FailAsync(delivery, job, exhausted, activity, work.Token).ConfigureAwait(false);
            }

            return await RetryLaterAsync(delivery, job, verdict, e, activity, work.Token).ConfigureAwait(false);
        }
    }

    private async Task<JobOutcome> ProcessAsync(ScanJobDelivery delivery, ScanJob job, Activity? activity, CancellationToken cancellationToken)
    {
        var recorded = await retry.ExecuteAsync(ct => status.GetRecordAsync(job, ct), cancellationToken).ConfigureAwait(false);
        var state = recorded?.State;
        if (state == JobState.Succeeded)
        {
            return await CompleteAlreadyDoneAsync(delivery, job, activity, cancellationToken).ConfigureAwait(false);
        }

        if (state == JobState.Failed)
        {
            // Marked Failed by an earlier delivery that could not dead-letter: finish that settlement.
            return await DeadLetterAlreadyFailedAsync(delivery, recorded?.ErrorCode, activity, cancellationToken).ConfigureAwait(false);
        }

        if (delivery.DeliveryCount > settings.MaxDeliveryCount)
        {
            // Earlier deliveries ended without settling (the worker died each time): stop before it happens again. Checked
            // after the state, so that a job an earlier delivery finished is completed, not failed.
            var verdict = new FailureVerdict(FailureKind.Permanent, "DeliveryLimitExceeded", $"The message was delivered {delivery.DeliveryCount} times; the limit is {settings.MaxDeliveryCount}.");
            LogGaveUp(job.ScanId, delivery.DeliveryCount, verdict.Reason);
            return await FailAsync(delivery, job, verdict, activity, cancellationToken).ConfigureAwait(false);
        }

        // Before the job is marked Processing: a message whose source cannot be known fails at once, its record Failed.
        job = WithSource(job, recorded);
        await retry.ExecuteAsync(ct => status.MarkProcessingAsync(job, delivery.DeliveryCount, ct), cancellationToken).ConfigureAwait(false);
        if (await retry.ExecuteAsync(ct => writer.IsCompleteAsync(job, ct), cancellationToken).ConfigureAwait(false))
        {
            await retry.ExecuteAsync(ct => status.MarkSucceededAsync(job, ResultsPrefix(job), ct), cancellationToken).ConfigureAwait(false);
            return await CompleteAlreadyDoneAsync(delivery, job, activity, cancellationToken).ConfigureAwait(false);
        }

        // No completion marker, so whatever is under the prefix is an interrupted earlier run's (a crash, a shutdown, a lost
        // lock, a failed write). Its maps came from other noise; the conditional creates would keep them beside this run's
        // overlays and report, one result set from two runs.
        var leftovers = await retry.ExecuteAsync(ct => writer.RemoveAsync(job, ct), cancellationToken).ConfigureAwait(false);
        if (leftovers > 0)
        {
            LogPartialResultsRemoved(job.ScanId, leftovers);
        }

        var inference = await model.WhenReadyAsync(cancellationToken).ConfigureAwait(false);
        var profile = RequireServedModel(job, inference);
        var scan = await retry.ExecuteAsync(ct => reader.ReadAsync(job, ct), cancellationToken).ConfigureAwait(false);
        var decoded = codec.Prepare(scan, job, inference.SliceSize, inference.TrainedFor, inference.Orientation, cancellationToken);
        RequireModelSize(decoded, inference.SliceSize);
        activity?.SetTag("synomaly.slices", decoded.Slices.Count);

        var outputs = await batcher.InferAsync(decoded.Slices, profile, cancellationToken).ConfigureAwait(false);
        // The report names the profile that ran, not the alias ("default") the job may carry.
        var files = codec.Render(job with { InferenceProfile = profile }, decoded, outputs, cancellationToken);
        // One read before writing: a scan uploaded again while the model ran has moved the record on (the read throws
        // JobSupersededException), and this run's results would be written for nobody.
        await retry.ExecuteAsync(ct => status.GetRecordAsync(job, ct), cancellationToken).ConfigureAwait(false);
        try
        {
            await writer.WriteAsync(job, files, retry.ExecuteAsync, cancellationToken).ConfigureAwait(false);
            await retry.ExecuteAsync(ct => status.MarkSucceededAsync(job, ResultsPrefix(job), ct), cancellationToken).ConfigureAwait(false);
        }
        catch (JobSupersededException e) when (!e.SameSourceVersion && !e.RecordErased)
        {
            // The scan was uploaded again while these results were written: no record will point at them, and derived
            // patient data is not kept for nobody (best effort: the results lifecycle rule removes what a failed delete
            // leaves). A retry of the same upload keeps them: they are its results too. An erased scan's are removed by
            // CompleteSupersededAsync, which must not complete the message unless that worked.
            await TryAsync(() => RemoveOrphanedResultsAsync(job), CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        await delivery.CompleteAsync(cancellationToken).ConfigureAwait(false);
        LogSucceeded(job.ScanId, decoded.Slices.Count);
        telemetry.RecordOutcome(nameof(JobOutcome.Succeeded));
        return JobOutcome.Succeeded;
    }

    /// <summary>
    /// The job with its source: as the message names it (an upload, or any schema 1 message), or as its job record does (an
    /// archive job, whose message leaves the owner's file name out). The record is the one the Functions app wrote before
    /// publishing; without it the message cannot be processed, ever, so the job fails as <c>SourceUnknown</c>.
    /// </summary>
    private static ScanJob WithSource(ScanJob job, RecordedJob? recorded)
    {
        if (job.SourceBlobUri is not null)
        {
            return job;
        }

        return recorded?.SourceBlobUri is { } source
            ? job with { SourceBlobUri = source }
            : throw new JobRejectedException(JobRejectedException.SourceUnknown, "The message names no source blob (an archive job's is read from its job record), and no job record names one.");
    }

    private async Task RemoveOrphanedResultsAsync(ScanJob job)
    {
        var removed = await retry.ExecuteAsync(ct => writer.RemoveAsync(job, ct), CancellationToken.None).ConfigureAwait(false);
        LogOrphanedResultsRemoved(job.ScanId, removed);
    }

    private async Task<JobOutcome> CompleteSupersededAsync(ScanJobDelivery delivery, ScanJob job, JobSupersededException superseded, Activity? activity, CancellationToken hold)
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
                    LogErasedResultsRemoved(job.ScanId, removed);
                }
            }
            catch (Exception e)
            {
                return await RetryErasureLaterAsync(delivery, job, e, activity, hold).ConfigureAwait(false);
            }
        }

        try
        {
            await delivery.CompleteAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (MessageLockLostException)
        {
            telemetry.RecordOutcome(nameof(JobOutcome.LockLost));
            return JobOutcome.LockLost;
        }

        LogSuperseded(job.ScanId);
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
        var verdict = new FailureVerdict(FailureKind.Transient, ErasureIncomplete, $"The scan was erased, but result files this message wrote could not be removed ({fault.Reason}).");
        if (delivery.DeliveryCount >= settings.MaxDeliveryCount)
        {
            LogErasureGaveUp(job.ScanId, delivery.DeliveryCount, fault.Reason);
            return await DeadLetterAsync(activity, verdict, delivery).ConfigureAwait(false);
        }

        LogRetrying(job.ScanId, verdict.Reason, error.GetType().Name, delivery.DeliveryCount, settings.MaxDeliveryCount);
        return await SettleAsync(activity, verdict, final: false, _ => redelivery.AbandonAsync(delivery, hold), JobOutcome.Retrying, CancellationToken.None).ConfigureAwait(false);
    }

    private async Task<JobOutcome> SettleFinishedAsync(ScanJobDelivery delivery, ScanJob job, JobState state, Activity? activity)
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

    /// <summary>Dead-letters the message of a job whose record is already Failed, with the record's error code as the reason.</summary>
    private Task<JobOutcome> DeadLetterAlreadyFailedAsync(ScanJobDelivery delivery, string? errorCode, Activity? activity, CancellationToken cancellationToken)
    {
        var verdict = new FailureVerdict(
            FailureKind.Permanent,
            errorCode ?? AlreadyFailed,
            errorCode is null ? "The job record is already Failed." : $"The job record was already Failed ({errorCode}) by an earlier delivery of this message.");
        return SettleAsync(activity, verdict, final: true, ct => delivery.DeadLetterAsync(verdict.Reason, verdict.Description, ct), JobOutcome.DeadLettered, cancellationToken);
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
            LogBestEffortFailed(e.GetType().Name);
            return null;
        }
    }

    private async Task<JobOutcome> CompleteAlreadyDoneAsync(ScanJobDelivery delivery, ScanJob job, Activity? activity, CancellationToken cancellationToken)
    {
        await delivery.CompleteAsync(cancellationToken).ConfigureAwait(false);
        LogAlreadyDone(job.ScanId);
        activity?.SetTag("synomaly.already_done", true);
        telemetry.RecordOutcome(nameof(JobOutcome.AlreadyDone));
        return JobOutcome.AlreadyDone;
    }

    /// <summary>
    /// Job Failed first, then dead-letter: if the record cannot be written the message is abandoned instead, never lost;
    /// except on the broker's last allowed delivery, where abandoning would have the broker dead-letter it without a reason.
    /// </summary>
    private async Task<JobOutcome> FailAsync(ScanJobDelivery delivery, ScanJob job, FailureVerdict verdict, Activity? activity, CancellationToken hold)
    {
        LogFailed(job.ScanId, verdict.Reason, delivery.DeliveryCount);
        try
        {
            // Not cancelled by the hold: a verdict is recorded even when the lock is lost or the shutdown deadline passed.
            await retry.ExecuteAsync(ct => status.MarkFailedAsync(job, verdict.Reason, verdict.Description, ct), CancellationToken.None).ConfigureAwait(false);
        }
        catch (JobTransitionRejectedException e) when (e.From == JobState.Failed)
        {
            // Already Failed by an earlier delivery.
        }
        catch (JobTransitionRejectedException e) when (e.From == JobState.Succeeded)
        {
            // The job has its results (this delivery, or an earlier one, marked it Succeeded, then settling failed): the
            // failure is about the message only, so complete it. Abandoning would bring it back for ever. (Should the
            // completion itself fail, the next delivery finds the record Succeeded and completes it first thing.)
            return await SettleFinishedAsync(delivery, job, e.From, activity).ConfigureAwait(false);
        }
        catch (JobSupersededException e)
        {
            // The scan was queued again for a newer upload, or erased: this message's failure (often SourceChanged, the
            // blob was replaced) is no news about the newer job, whose record it must not touch.
            return await CompleteSupersededAsync(delivery, job, e, activity, hold).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not MessageLockLostException)
        {
            if (redelivery.IsBrokersLast(delivery))
            {
                // The record stays as it is either way (the expiry sweep ends it); the worker's dead letter at least says
                // why, and the log line raises the jobs-gave-up alert.
                LogGaveUpUnrecorded(job.ScanId, delivery.DeliveryCount, verdict.Reason, e.GetType().Name);
                return await DeadLetterAsync(activity, verdict, delivery).ConfigureAwait(false);
            }

            LogStatusWriteFailed(job.ScanId, e.GetType().Name);
            await TryAsync(() => redelivery.AbandonAsync(delivery, hold), CancellationToken.None).ConfigureAwait(false);
            return JobOutcome.Retrying;
        }

        return await DeadLetterAsync(activity, verdict, delivery).ConfigureAwait(false);
    }

    private async Task<JobOutcome> RetryLaterAsync(ScanJobDelivery delivery, ScanJob job, FailureVerdict verdict, Exception error, Activity? activity, CancellationToken hold)
    {
        LogRetrying(job.ScanId, verdict.Reason, error.GetType().Name, delivery.DeliveryCount, settings.MaxDeliveryCount);
        await TryAsync(() => retry.ExecuteAsync(ct => status.MarkRetryingAsync(job, delivery.DeliveryCount, verdict.Reason, verdict.Description, ct)), CancellationToken.None).ConfigureAwait(false);
        return await SettleAsync(activity, verdict, final: false, _ => redelivery.AbandonAsync(delivery, hold), JobOutcome.Retrying, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Ends the job's message for good, with the verdict's reason on the dead letter.</summary>
    private Task<JobOutcome> DeadLetterAsync(Activity? activity, FailureVerdict verdict, ScanJobDelivery delivery) =>
        SettleAsync(activity, verdict, final: true, ct => delivery.DeadLetterAsync(verdict.Reason, verdict.Description, ct), JobOutcome.DeadLettered);

    /// <summary>
    /// Settles with the verdict, retrying transient faults: a passing 5xx from the broker must not escape to the pump, whose
    /// redelivery would find the record Failed and lose the verdict's reason (the job's record is already written).
    /// </summary>
    private async Task<JobOutcome> SettleAsync(
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
    private async Task TryAsync(Func<Task> action, CancellationToken cancellationToken)
    {
        try
        {
            await action().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            LogBestEffortFailed(e.GetType().Name);
        }
    }

    /// <summary>
    /// Results are filed under the job's model version, so a job for another model or version (queued before a roll-out, or
    /// sent to the wrong queue) must not be answered by this model; the job fails with the reason, and can be resubmitted.
    /// Returns the name of the card's profile the job runs with (its alias resolved once, here).
    /// </summary>
    private static string RequireServedModel(ScanJob job, ISliceInference inference)
    {
        if (!string.Equals(job.ModelVersion, inference.ModelVersion, StringComparison.Ordinal) || !string.Equals(job.ModelName, inference.ModelName, StringComparison.Ordinal))
        {
            throw new JobRejectedException(JobRejectedException.ModelVersionMismatch, $"The job asks for model {job.ModelName} {job.ModelVersion}; this worker serves {inference.ModelName} {inference.ModelVersion}.");
        }

        return inference.ResolveProfile(job.InferenceProfile);
    }

    private static void RequireModelSize(DecodedScanSlices scan, (int Height, int Width) size)
    {
        var expected = size.Height * size.Width;
        if (scan.Slices.Count == 0)
        {
            // Nothing to answer is a property of the scan, not of the slice size: the codecs' own reason for it.
            throw new Imaging.ScanRejectedException(Imaging.ScanRejectionCode.NoUsableSlices, "The scan has no slices to process.");
        }

        var wrong = scan.Slices.FirstOrDefault(s => s.Length != expected);
        if (wrong is not null)
        {
            throw new JobRejectedException(JobRejectedException.WrongDimensions, $"A prepared slice has {wrong.Length} pixels; the model takes {size.Height}x{size.Width}.");
        }
    }

    private static string ResultsPrefix(ScanJob job) => BlobLayout.ResultsPrefix(job);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId} succeeded: {Slices} slices")]
    private partial void LogSucceeded(string scanId, int slices);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId} already has results; completed without running the model")]
    private partial void LogAlreadyDone(string scanId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId}: the message is stale (its job record was taken over by a newer upload, a retry or an erasure); completed without touching the job")]
    private partial void LogSuperseded(string scanId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId}: uploaded again or erased while this run wrote its results; removed the {Count} result files no job will point at")]
    private partial void LogOrphanedResultsRemoved(string scanId, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId} was erased; removed the {Count} result files deliveries of this message wrote")]
    private partial void LogErasedResultsRemoved(string scanId, int count);

    // Erased patient-derived data is still stored: the jobs-gave-up alert looks for "gave up after".
    [LoggerMessage(Level = LogLevel.Error, Message = "Scan {ScanId}: gave up after {DeliveryCount} deliveries removing the results of the erased scan ({Reason}); dead-lettered, repeat the erasure")]
    private partial void LogErasureGaveUp(string scanId, int deliveryCount, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId}: removed {Count} result files an interrupted earlier run left; running again")]
    private partial void LogPartialResultsRemoved(string scanId, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId} failed with {Reason} on delivery {DeliveryCount}; dead-lettering")]
    private partial void LogFailed(string scanId, string reason, int deliveryCount);

    // Not bad input but the system failing the same job again and again (storage, device, a worker that dies mid-job):
    // the "jobs-gave-up" alert (infra/modules/alerts.bicep) looks for this line.
    [LoggerMessage(Level = LogLevel.Error, Message = "Scan {ScanId}: gave up after {DeliveryCount} deliveries ({Reason}); the job fails")]
    private partial void LogGaveUp(string scanId, int deliveryCount, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scan {ScanId}: gave up after {DeliveryCount} deliveries ({Reason}); the job record could not be marked Failed ({ErrorType}), so the worker dead-letters the message before the broker does without a reason")]
    private partial void LogGaveUpUnrecorded(string scanId, int deliveryCount, string reason, string errorType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId} hit a fault {Reason} ({ErrorType}) on delivery {DeliveryCount} of {MaxDeliveryCount}; abandoning for redelivery")]
    private partial void LogRetrying(string scanId, string reason, string errorType, int deliveryCount, int maxDeliveryCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId}: message lock lost on delivery {DeliveryCount}; work stopped, the broker redelivers")]
    private partial void LogLockLost(string scanId, int deliveryCount);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId} interrupted by shutdown; abandoned for another worker")]
    private partial void LogInterrupted(string scanId);

    [LoggerMessage(Level = LogLevel.Error, Message = "A message that is not a valid ScanJob was dead-lettered: {Description}")]
    private partial void LogInvalidMessage(string description);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scan {ScanId}: the job record could not be marked Failed ({ErrorType}); abandoning so a later delivery settles it")]
    private partial void LogStatusWriteFailed(string scanId, string errorType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A best-effort settlement step failed ({ErrorType})")]
    private partial void LogBestEffortFailed(string errorType);
}
