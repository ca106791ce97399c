using Azure;
using Azure.Storage.Queues;
using Synomaly.Storage.Local;
using Synomaly.Storage.Messaging;

namespace Synomaly.Functions.Services.Bulk;

/// <summary>
/// Bulk steps on the Storage Queue <c>bulk-reprocess</c> (ScansStorage), read by the BulkReprocessStep queue trigger.
/// The text is encoded as the queue trigger reads it (<see cref="QueueTriggerText"/>). A failed step is retried by the queue (dequeue count),
/// and each retry resumes from the last checkpoint.
/// </summary>
public sealed class StorageQueueBulkStepQueue(QueueClient queue) : IBulkStepQueue
{
    public const string QueueName = LocalStorageResources.BulkReprocessQueue;

    /// <summary>Where the host moves a step message after its last failed delivery (<see cref="PoisonQueue"/>), read by <see cref="BulkStepPoisonHandler"/>.</summary>
    public const string PoisonQueueName = QueueName + PoisonQueue.Suffix;

    private int created;

    public StorageQueueBulkStepQueue(QueueServiceClient queues)
        : this(queues.GetQueueClient(QueueName))
    {
    }

    public async Task EnqueueAsync(string runId, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref created, 1) == 0)
        {
            try
            {
                // Missing on a fresh Azurite; in Azure infra creates it and a queue-scoped role may refuse the create.
                await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.Status == 403)
            {
                // Provisioned by infra.
            }
        }

        // A delayed step is sent invisible (at most 7 days, the service's limit; a bulk run asks for seconds): the queue,
        // not a function sleeping, holds it until then.
        TimeSpan? hidden = delay > TimeSpan.Zero ? delay : null;
        await queue.SendMessageAsync(QueueTriggerText.Encode(runId), hidden, timeToLive: null, cancellationToken).ConfigureAwait(false);
    }
}
