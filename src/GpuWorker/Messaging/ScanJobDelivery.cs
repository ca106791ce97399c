namespace Synomaly.GpuWorker.Messaging;

/// <summary>
/// One received, locked message. Settlement is explicit and happens at most once; after the lock is lost nothing may be
/// settled (the broker will deliver the message again).
/// </summary>
public abstract class ScanJobDelivery
{
    /// <summary>The broker's message id (for ScanJobs: scanId:etag:modelVersion).</summary>
    public abstract string MessageId { get; }

    public abstract BinaryData Body { get; }

    /// <summary>1 on the first delivery, then one more for every redelivery (abandon, expired lock, crashed consumer).</summary>
    public abstract int DeliveryCount { get; }

    public abstract DateTimeOffset EnqueuedAt { get; }

    /// <summary>When the current lock expires unless renewed.</summary>
    public abstract DateTimeOffset LockedUntil { get; }

    /// <summary>
    /// True where an abandoned message stays invisible for the retry delay (Storage queue visibility); false where it is
    /// redelivered at once (Service Bus, in memory), so that the handler holds it for the delay before abandoning.
    /// </summary>
    public virtual bool DelaysRedelivery => false;

    /// <summary>
    /// True where the broker dead-letters a message by itself after a number of deliveries (Service Bus maxDeliveryCount);
    /// false where an abandoned message comes back however often (Storage queue, in memory).
    /// </summary>
    public virtual bool BrokerEndsRedelivery => false;

    /// <summary>Extends the lock; throws <see cref="MessageLockLostException"/> when it is already gone.</summary>
    public abstract Task RenewLockAsync(CancellationToken cancellationToken = default);

    /// <summary>The job is done: remove the message.</summary>
    public abstract Task CompleteAsync(CancellationToken cancellationToken = default);

    /// <summary>Give the message back for another attempt, visible again after <paramref name="retryDelay"/> where supported.</summary>
    public abstract Task AbandonAsync(TimeSpan retryDelay, CancellationToken cancellationToken = default);

    /// <summary>Move the message to the dead-letter queue with a machine-readable reason and a description in words.</summary>
    public abstract Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken = default);
}
