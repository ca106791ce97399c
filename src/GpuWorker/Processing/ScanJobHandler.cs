using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Inference;
using Synomaly.GpuWorker.Messaging;
using Synomaly.GpuWorker.Options;
using Synomaly.GpuWorker.Results;
using Synomaly.GpuWorker.Status;
using Synomaly.GpuWorker.Telemetry;

namespace Synomaly.GpuWorker.Processing;

/// <summary>
/// Processes one delivery end to end and settles it explicitly. Idempotent, because every transport redelivers: a job whose
/// record is Succeeded or whose completion marker exists is completed without running the model, as is another copy of a
/// message whose job another copy's delivery has claimed (<see cref="JobClaim"/>); results are conditional creates at
/// deterministic paths. The job record is always updated before the message is settled, so a job never stays Processing
/// once its message is gone (a crash in between only causes a redelivery that settles it).
/// </summary>
/// <remarks>
/// This class admits the job (its record read and moved to Processing), has <see cref="ScanJobPipeline"/> make the
/// results, writes them and marks the job Succeeded; every other ending is routed to <see cref="FinishedJobSettlement"/>
/// or <see cref="FailedJobSettlement"/>.
/// </remarks>
public sealed class ScanJobHandler
{
    /// <summary>The reason a message of an erased scan is retried, then dead-lettered: results it wrote are still there.</summary>
    public const string ErasureIncomplete = "ErasureIncomplete";

    private readonly IJobStatusSink status;
    private readonly ScanJobPipeline pipeline;
    private readonly ResultWriter writer;
    private readonly TransientRetry retry;
    private readonly WorkerOptions settings;
    private readonly WorkerTelemetry telemetry;
    private readonly TimeProvider time;
    private readonly ILogger<ScanJobHandler> logger;
    private readonly DeliverySettler settler;
    private readonly FinishedJobSettlement finished;
    private readonly FailedJobSettlement failed;

    public ScanJobHandler(
        IJobStatusSink status,
        ScanJobPipeline pipeline,
        ResultWriter writer,
        TransientRetry retry,
        ProcessingPolicy policy,
        IOptions<WorkerOptions> options,
        WorkerTelemetry telemetry,
        TimeProvider time,
        ILogger<ScanJobHandler> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        this.status = status;
        this.pipeline = pipeline;
        this.writer = writer;
        this.retry = retry;
        settings = options.Value;
        this.telemetry = telemetry;
        this.time = time;
        this.logger = logger;

        // Built here rather than injected: they are this handler's settlement paths, and they log through its logger so
        // every line keeps the category it had before they were split out of this class.
        var redelivery = new Redelivery(policy, time, settings.MaxDeliveryCount);
        settler = new DeliverySettler(retry, telemetry, logger);
        finished = new FinishedJobSettlement(status, writer, retry, redelivery, settler, settings, telemetry, logger);
        failed = new FailedJobSettlement(status, retry, redelivery, settler, finished, settings, telemetry, logger);
    }

    /// <summary>Handles one delivery. <paramref name="shutdown"/> is cancelled when the shutdown deadline has passed.</summary>
    public async Task<JobOutcome> HandleAsync(ScanJobDelivery delivery, CancellationToken shutdown = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        using var activity = WorkerTelemetry.Source.StartActivity("ScanJob process", ActivityKind.Consumer);
        activity?.SetTag("messaging.message.id", delivery.MessageId);
        activity?.SetTag("messaging.delivery_count", delivery.DeliveryCount);
        if (delivery.DeliveryCount == 1)
        {
            // The wait for a worker: a redelivery's time since the enqueue also holds the earlier deliveries' work and backoff.
            telemetry.RecordQueueWait(time.GetUtcNow() - delivery.EnqueuedAt);
        }

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
            logger.LogInvalidMessage(verdict.Description);
            return await settler.DeadLetterAsync(activity, verdict, delivery).ConfigureAwait(false);
        }

        activity?.SetTag("synomaly.scan_id", job.ScanId);
        var correlationId = JoinableCorrelationId(job);
        activity?.SetTag("synomaly.correlation_id", correlationId);
        using var scope = logger.BeginScope(LogScope(job.ScanId, correlationId));
        await using var keeper = MessageLockKeeper.Start(delivery, settings.LockRenewalBound, time);
        using var work = CancellationTokenSource.CreateLinkedTokenSource(keeper.LockLost, shutdown);
        // One claim for the whole delivery: every retry of its write is then found to be this delivery's own, and a fault
        // settled before the claim was written leaves another delivery's claim standing.
        var claim = JobClaim.For(delivery, settings, time.GetUtcNow());
        try
        {
            return await ProcessAsync(delivery, job, claim, activity, work.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (keeper.IsLockLost || e is MessageLockLostException)
        {
            var loss = keeper.Loss ?? new LockLoss(LockLossReason.SettlementRefused, LockLoss.ErrorTypeOf(e));
            logger.LogLockLost(job.ScanId, delivery.DeliveryCount, loss.ToString());
            telemetry.RecordOutcome(nameof(JobOutcome.LockLost));
            activity?.SetStatus(ActivityStatusCode.Error, "lock lost");
            return JobOutcome.LockLost;
        }
        catch (JobSupersededException e)
        {
            return await finished.CompleteSupersededAsync(delivery, job, e, activity, work.Token).ConfigureAwait(false);
        }
        catch (JobTransitionRejectedException e) when (e.From.IsTerminal())
        {
            // Another delivery of this message (a duplicate, or one whose lock this one took over) finished the job while
            // this one ran: settle this one as that job stands. Retrying would move a finished job.
            return await finished.SettleFinishedAsync(delivery, job, e.From, activity).ConfigureAwait(false);
        }
        catch (OperationCanceledException e) when (shutdown.IsCancellationRequested || e is BatcherStoppedException)
        {
            // A batcher disposed under the job is the shutdown too, even where the deadline has not passed yet.
            return await failed.InterruptedAsync(delivery, job, claim, activity, shutdown).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            return await failed.SettleFaultAsync(delivery, job, claim, e, activity, work.Token).ConfigureAwait(false);
        }
    }

    private async Task<JobOutcome> ProcessAsync(ScanJobDelivery delivery, ScanJob job, JobClaim claim, Activity? activity, CancellationToken cancellationToken)
    {
        var recorded = await retry.ExecuteAsync(ct => status.GetRecordAsync(job, ct), cancellationToken).ConfigureAwait(false);
        var state = recorded?.State;
        if (state == JobState.Succeeded)
        {
            return await finished.CompleteAlreadyDoneAsync(delivery, job, activity, cancellationToken).ConfigureAwait(false);
        }

        if (state == JobState.Failed)
        {
            // Marked Failed by an earlier delivery that could not dead-letter: finish that settlement.
            return await finished.DeadLetterAlreadyFailedAsync(delivery, recorded?.ErrorCode, activity, cancellationToken).ConfigureAwait(false);
        }

        // Checked before the delivery limit: an earlier delivery (the worker's last one, too) that wrote every result, the
        // completion marker last, and then could not mark the job Succeeded (the job table failing through the retries, a
        // lost lock, a killed replica) finished the job; failing it now would throw a complete result set away.
        if (await retry.ExecuteAsync(ct => writer.IsCompleteAsync(job, ct), cancellationToken).ConfigureAwait(false))
        {
            // Through Processing, as any run goes: the record may be Queued (or missing) rather than Processing. Another
            // copy's claim there makes this delivery a duplicate of it, which leaves the marking to that copy.
            if (!await ClaimAsync(job, claim, cancellationToken).ConfigureAwait(false))
            {
                return await finished.CompleteDuplicateAsync(delivery, job, activity, cancellationToken).ConfigureAwait(false);
            }

            await retry.ExecuteAsync(ct => status.MarkSucceededAsync(job, ResultsPrefix(job), ct), cancellationToken).ConfigureAwait(false);
            return await finished.CompleteAlreadyDoneAsync(delivery, job, activity, cancellationToken).ConfigureAwait(false);
        }

        // Before the job is marked Processing: a message whose source cannot be known fails at once, its record Failed.
        job = WithSource(job, recorded);
        if (!await ClaimAsync(job, claim, cancellationToken).ConfigureAwait(false))
        {
            // Another copy of the message holds the job (JobClaim says which claims a delivery may take over): a Storage
            // Queue delivers each copy sent, and a bulk run sends a partly sent slice's part again when it could not record
            // it. That copy carries the job to its end (should its worker die, its message comes back); running it here too
            // would run the model twice, and remove that copy's results as an interrupted run's.
            return await finished.CompleteDuplicateAsync(delivery, job, activity, cancellationToken).ConfigureAwait(false);
        }

        if (delivery.DeliveryCount > settings.MaxDeliveryCount)
        {
            // Earlier deliveries ended without settling (the worker died each time): stop before it happens again. Checked
            // after the state and the completion marker, so that a job an earlier delivery finished is completed, not failed;
            // and after the claim, so that a copy past its limit whose job another copy is running completes as that
            // copy's duplicate rather than fail the job under it. Claimed, the job is this delivery's to fail.
            var verdict = new FailureVerdict(FailureKind.Permanent, "DeliveryLimitExceeded", $"The message was delivered {delivery.DeliveryCount} times; the limit is {settings.MaxDeliveryCount}.");
            return await failed.GiveUpAsync(delivery, job, claim, verdict, activity, cancellationToken).ConfigureAwait(false);
        }

        // No completion marker, so whatever is under the prefix is an interrupted earlier run's (a crash, a shutdown, a lost
        // lock, a failed write). Its maps came from other noise; the conditional creates would keep them beside this run's
        // overlays and report, one result set from two runs.
        var leftovers = await retry.ExecuteAsync(ct => writer.RemoveAsync(job, ct), cancellationToken).ConfigureAwait(false);
        if (leftovers > 0)
        {
            logger.LogPartialResultsRemoved(job.ScanId, leftovers);
        }

        var results = await pipeline.RunAsync(job, activity, cancellationToken).ConfigureAwait(false);
        // One read before writing: a scan uploaded again while the model ran has moved the record on (the read throws
        // JobSupersededException), and this run's results would be written for nobody.
        await retry.ExecuteAsync(ct => status.GetRecordAsync(job, ct), cancellationToken).ConfigureAwait(false);
        try
        {
            await writer.WriteAsync(job, results.Files, retry.ExecuteAsync, cancellationToken).ConfigureAwait(false);
            await retry.ExecuteAsync(ct => status.MarkSucceededAsync(job, ResultsPrefix(job), ct), cancellationToken).ConfigureAwait(false);
        }
        catch (JobSupersededException e) when (!e.SameSourceVersion && !e.RecordErased)
        {
            // The scan was uploaded again while these results were written: no record will point at them, and derived
            // patient data is not kept for nobody (best effort: the results lifecycle rule removes what a failed delete
            // leaves). A retry of the same upload keeps them: they are its results too. An erased scan's are removed by
            // FinishedJobSettlement.CompleteSupersededAsync, which must not complete the message unless that worked.
            await settler.TryAsync(() => RemoveOrphanedResultsAsync(job), CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        if (!await settler.TryCompleteAsync(delivery, job.ScanId, cancellationToken).ConfigureAwait(false))
        {
            return JobOutcome.Unsettled;
        }

        logger.LogSucceeded(job.ScanId, results.Slices);
        telemetry.RecordOutcome(nameof(JobOutcome.Succeeded));
        return JobOutcome.Succeeded;
    }

    /// <summary>
    /// Moves the job to Processing under this delivery's claim; false when another delivery's claim holds it. One claim
    /// for every retry: an attempt whose write went through although its answer was lost is then found to be this
    /// delivery's own.
    /// </summary>
    private Task<bool> ClaimAsync(ScanJob job, JobClaim claim, CancellationToken cancellationToken) =>
        retry.ExecuteAsync(ct => status.TryClaimAsync(job, claim, ct), cancellationToken);

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

    /// <summary>
    /// The job's correlation id (the scan id for an upload and its retries, the run id for a bulk run), which joins the
    /// worker's lines and span to the intake's; null unless it is an opaque id under the scan id's rule. The serializer
    /// does not check it, and a scope is exported as it is: a name that may name a patient must not ride along.
    /// </summary>
    private static string? JoinableCorrelationId(ScanJob job) => BlobLayout.IsValidScanId(job.CorrelationId) ? job.CorrelationId : null;

    /// <summary>The scope of every line of the job: its scan id, and its correlation id where it has one.</summary>
    private static Dictionary<string, object> LogScope(string scanId, string? correlationId)
    {
        var scope = new Dictionary<string, object> { ["ScanId"] = scanId };
        if (correlationId is not null)
        {
            scope["CorrelationId"] = correlationId;
        }

        return scope;
    }

    private async Task RemoveOrphanedResultsAsync(ScanJob job)
    {
        var removed = await retry.ExecuteAsync(ct => writer.RemoveAsync(job, ct), CancellationToken.None).ConfigureAwait(false);
        logger.LogOrphanedResultsRemoved(job.ScanId, removed);
    }

    private static string ResultsPrefix(ScanJob job) => BlobLayout.ResultsPrefix(job);
}
