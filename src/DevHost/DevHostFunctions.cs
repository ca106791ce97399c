using Azure.Storage.Blobs;
using Microsoft.Azure.WebJobs;
using Synomaly.Functions.Services.Archive;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Functions.Services.Intake;
using Synomaly.Functions.Services.Jobs;
using Synomaly.Functions.Triggers;

namespace Synomaly.DevHost;

/// <summary>
/// The Functions app's non-HTTP triggers, declared for the WebJobs SDK (the same blob, queue and timer extensions the
/// Functions host loads). Each is as thin as its Functions twin and calls the same service.
/// </summary>
public sealed class DevHostFunctions(ScanIntakeService intake, UploadReconciler reconciler, BulkReprocessService bulk, BulkStepPoisonHandler bulkPoisoned, JobExpirySweeper expiry, ArchiveDeletionHandler archiveDeletions, ArchiveDeletionReplay archiveReplay)
{
    /// <summary>Polling blob trigger (Azurite has no Event Grid): fires a few seconds after an upload, with blob receipts.</summary>
    [FunctionName("ScanUploaded")]
    public Task ScanUploadedAsync([BlobTrigger("scans/{name}", Connection = "ScansStorage")] BlobClient blob, CancellationToken cancellationToken) =>
        intake.ProcessEventAsync(blob, cancellationToken);

    [FunctionName("ReconcileUploads")]
    public Task ReconcileUploadsAsync([TimerTrigger("%Intake__ReconcileSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        reconciler.RunAsync(cancellationToken);

    [FunctionName("ExpireStaleJobs")]
    public Task ExpireStaleJobsAsync([TimerTrigger("%Expiry__Schedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        expiry.RunAsync(cancellationToken);

    [FunctionName("BulkReprocessStep")]
    public Task BulkReprocessStepAsync([QueueTrigger(StorageQueueBulkStepQueue.QueueName, Connection = "ScansStorage")] string runId, CancellationToken cancellationToken) =>
        bulk.ContinueQueuedAsync(runId, cancellationToken);

    [FunctionName("BulkReprocessStepPoisoned")]
    public Task BulkReprocessStepPoisonedAsync([QueueTrigger(StorageQueueBulkStepQueue.PoisonQueueName, Connection = "ScansStorage")] string message, CancellationToken cancellationToken) =>
        bulkPoisoned.HandleAsync(message, cancellationToken);

    /// <summary>As the Functions trigger: named after the occurrence it stands for, retried when its run could not start.</summary>
    [FunctionName("BulkReprocessTimer")]
    [FixedDelayRetry(5, "00:01:00")]
    public Task BulkReprocessTimerAsync([TimerTrigger("%Bulk__Schedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        bulk.StartScheduledAsync(BulkReprocessTimer.Occurrence(timer.ScheduleStatus?.Next), cancellationToken);

    /// <summary>Azurite emits no Event Grid events: locally this fires for events put on the queue by hand or by a test.</summary>
    [FunctionName("ArchiveSourceDeleted")]
    public Task ArchiveSourceDeletedAsync([QueueTrigger(ArchiveDeletionHandler.QueueName, Connection = "ScansStorage")] string message, CancellationToken cancellationToken) =>
        archiveDeletions.HandleQueuedAsync(message, cancellationToken);

    [FunctionName("ReplayArchiveDeadLetters")]
    public Task ReplayArchiveDeadLettersAsync([TimerTrigger(ArchiveDeadLetterReplay.Schedule)] TimerInfo timer, CancellationToken cancellationToken) =>
        archiveReplay.RunAsync(cancellationToken);
}
