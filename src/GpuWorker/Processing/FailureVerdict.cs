namespace Synomaly.GpuWorker.Processing;

/// <summary>How a failure is treated.</summary>
public enum FailureKind
{
    /// <summary>Bad input: retrying cannot help. Dead-letter at once, job Failed.</summary>
    Permanent,

    /// <summary>A known passing fault (storage 408/429/500/502/503/504, timeouts, network): retried with backoff, then bounded by deliveries.</summary>
    Transient,

    /// <summary>Anything else (a bug, a device error): not retried in-process, but the delivery bound still applies.</summary>
    Unexpected,
}

/// <summary>The kind of a failure and its stable reason code (dead-letter reason, job error code, metric tag).</summary>
public sealed record FailureVerdict(FailureKind Kind, string Reason, string Description);
