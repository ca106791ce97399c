namespace Synomaly.GpuWorker.Options;

/// <summary>Where ScanJobs come from (<c>Worker__Transport</c>).</summary>
public enum WorkerTransport
{
    /// <summary>Azure Service Bus queue (production): peek-lock, lock renewal, dead-letter sub-queue.</summary>
    ServiceBus = 0,

    /// <summary>Azure Storage queue (Azurite locally): visibility timeout as the lock, a poison queue as the dead-letter queue.</summary>
    StorageQueue,

    /// <summary>A process-local queue (unit tests, demos without any broker).</summary>
    InMemory,
}
