using Synomaly.Storage.Messaging;

namespace Synomaly.GpuWorker.Options;

/// <summary>The worker's settings, bound from the <c>Worker</c> section (names and defaults in docs/SETTINGS.md).</summary>
public sealed class WorkerOptions
{
    public const string SectionName = "Worker";

    public ScanJobTransport Transport { get; set; } = ScanJobTransport.ServiceBus;

    public string QueueName { get; set; } = Contracts.BlobLayout.ScanJobsQueue;

    /// <summary><c>cuda</c>, <c>cuda:N</c>, <c>cpu</c> or <c>auto</c>.</summary>
    public string Device { get; set; } = "auto";

    public int MaxBatchSize { get; set; } = 64;

    public int MaxBatchWaitMilliseconds { get; set; } = 50;

    /// <summary>Attempts (deliveries) before a transient failure ends the job Failed and dead-letters its message.</summary>
    public int MaxDeliveryCount { get; set; } = 5;

    /// <summary>How long a message lock is kept alive by renewal; must exceed the worst-case job.</summary>
    public int LockRenewalMinutes { get; set; } = 30;

    /// <summary>After a stop request, in-flight jobs get this long to finish before they are abandoned.</summary>
    public int ShutdownDeadlineSeconds { get; set; } = 60;

    /// <summary>
    /// Jobs held at once. More than one lets decoding and result writing of some jobs overlap the model calls of others,
    /// and lets the batcher fill a batch from several scans. Not in the infra templates: the default suits one GPU.
    /// </summary>
    public int MaxConcurrentJobs { get; set; } = 4;

    /// <summary>
    /// Batches in a row that fail on the device (not by their input) before the replica counts as broken: liveness fails
    /// so that the platform restarts it, and no new message is received meanwhile. A sticky CUDA error fails every call.
    /// </summary>
    public int MaxConsecutiveBatchFailures { get; set; } = 3;

    /// <summary>
    /// Storage Queue transport only: how long a received message stays invisible before renewal. Short values make a
    /// crashed worker's job reappear sooner (local runs, tests); Service Bus takes its lock duration from the queue.
    /// </summary>
    public int StorageQueueLockSeconds { get; set; } = 60;

    /// <summary>
    /// Whether DICOM in JPEG lossless, JPEG-LS or JPEG 2000 is decompressed by gdcm or dcmtk found on PATH (Auto) or
    /// always rejected (Off).
    /// </summary>
    public DicomTranscoderMode DicomTranscoder { get; set; } = DicomTranscoderMode.Auto;

    public TimeSpan MaxBatchWait => TimeSpan.FromMilliseconds(MaxBatchWaitMilliseconds);

    public TimeSpan LockRenewalBound => TimeSpan.FromMinutes(LockRenewalMinutes);

    public TimeSpan StorageQueueLock => TimeSpan.FromSeconds(StorageQueueLockSeconds);

    public TimeSpan ShutdownDeadline => TimeSpan.FromSeconds(ShutdownDeadlineSeconds);
}
