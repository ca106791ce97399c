namespace Synomaly.GpuWorker.Processing;

/// <summary>What the handler did with one delivery (the settlement table of docs/WORKER.md).</summary>
public enum JobOutcome
{
    /// <summary>Model ran, results written, job Succeeded, message completed.</summary>
    Succeeded,

    /// <summary>Results (or a Succeeded record) already existed: job Succeeded, message completed, model not run.</summary>
    AlreadyDone,

    /// <summary>Bad input or attempts exhausted: job Failed, message dead-lettered.</summary>
    DeadLettered,

    /// <summary>Transient fault with attempts left: job back to Queued, message abandoned for redelivery.</summary>
    Retrying,

    /// <summary>The lock was lost: work stopped, nothing settled, the broker redelivers.</summary>
    LockLost,

    /// <summary>
    /// The job needs no more work (its record is finished, or stands for another message), but completing the message failed
    /// even after the in-process retries: nothing settled, the broker redelivers it and that delivery completes it.
    /// </summary>
    Unsettled,

    /// <summary>Shutdown deadline passed: work stopped, job back to Queued, message abandoned.</summary>
    Interrupted,

    /// <summary>
    /// Another copy of the message (a first delivery, not a redelivery) found its job already Processing: a delivery of
    /// the first copy carries it, so this one is completed without running the model, writing or touching the record.
    /// </summary>
    Duplicate,

    /// <summary>
    /// The record stands for a newer message of the scan (it was uploaded again and requeued): this stale message is
    /// completed without touching the record; the newer message carries the job.
    /// </summary>
    Superseded,
}
