namespace Synomaly.GpuWorker.Messaging;

/// <summary>
/// A queue of ScanJob messages with peek-lock semantics: a received message stays invisible to other consumers while its
/// lock is held, and is settled explicitly (complete, abandon, dead-letter). Implementations are thread-safe singletons.
/// </summary>
public interface IScanJobSource
{
    /// <summary>Waits up to <paramref name="maxWait"/> for one message; null when none arrived.</summary>
    Task<ScanJobDelivery?> ReceiveAsync(TimeSpan maxWait, CancellationToken cancellationToken = default);

    /// <summary>Probes the queue without taking a message (readiness).</summary>
    Task ProbeAsync(CancellationToken cancellationToken = default);
}
