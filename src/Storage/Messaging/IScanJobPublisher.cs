using Synomaly.Contracts;

namespace Synomaly.Storage.Messaging;

/// <summary>
/// Publishes ScanJob messages to the GPU worker's queue. Implementations: Service Bus (production, with duplicate
/// detection on <see cref="ScanJob.MessageId"/>), Azure Storage Queue (local runs on Azurite: no duplicate detection, so
/// callers stay idempotent through the job record) and in-memory (unit tests). Thread-safe.
/// </summary>
public interface IScanJobPublisher
{
    /// <param name="scheduledEnqueueTime">When the message should become visible to the worker (throttling); null = now.</param>
    Task PublishAsync(ScanJob job, DateTimeOffset? scheduledEnqueueTime = null, CancellationToken cancellationToken = default);

    /// <summary>Publishes several jobs, all visible from <paramref name="scheduledEnqueueTime"/>.</summary>
    /// <exception cref="ScanJobBatchPartlySentException">
    /// A send failed after some of the jobs had gone out; it names them. Any other exception means that none went out
    /// (save, as for a single publish, the send that failed, if it reached the queue all the same).
    /// </exception>
    Task PublishBatchAsync(IReadOnlyList<ScanJob> jobs, DateTimeOffset? scheduledEnqueueTime = null, CancellationToken cancellationToken = default);
}
