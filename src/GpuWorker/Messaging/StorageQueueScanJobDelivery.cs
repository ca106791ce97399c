using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;

namespace Synomaly.GpuWorker.Messaging;

/// <summary>
/// One invisible Storage queue message; its pop receipt changes with every renewal. The lock keeper renews on its own
/// schedule while the handler settles, so every call that uses the pop receipt takes <see cref="gate"/>: two calls made
/// with one receipt would see the second refused as a lost lock (the settlement then fails and the message comes back).
/// Once settled, renewals are no-ops.
/// </summary>
public sealed class StorageQueueScanJobDelivery : ScanJobDelivery
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private readonly QueueClient queue;
    private readonly QueueClient poison;
    private readonly QueueMessage message;
    private readonly TimeSpan lockDuration;
    private readonly TimeProvider time;
    private string popReceipt;
    private DateTimeOffset lockedUntil;
    private bool settled;

    /// <summary>
    /// The poison copy of this delivery was sent: a dead letter retried after a fault of its delete (the handler retries it
    /// as a whole) only deletes, or the poison queue would hold the message twice.
    /// </summary>
    private bool poisonCopySent;

    internal StorageQueueScanJobDelivery(QueueClient queue, QueueClient poison, QueueMessage message, TimeSpan lockDuration, TimeProvider time)
    {
        this.queue = queue;
        this.poison = poison;
        this.message = message;
        this.lockDuration = lockDuration;
        this.time = time;
        popReceipt = message.PopReceipt;
        Body = DecodeBody(message.Body);
        lockedUntil = message.NextVisibleOn ?? time.GetUtcNow() + lockDuration;
    }

    public override string MessageId => message.MessageId;

    /// <summary>
    /// The ScanJob JSON: publishers write base64 text (StorageQueueMessageCodec, the Functions queue-trigger convention).
    /// Text that is not base64 is passed on as it is, so the handler rejects it as an invalid ScanJob.
    /// </summary>
    public override BinaryData Body { get; }

    public override int DeliveryCount => (int)Math.Min(int.MaxValue, message.DequeueCount);

    public override DateTimeOffset EnqueuedAt => message.InsertedOn ?? time.GetUtcNow();

    public override DateTimeOffset LockedUntil => lockedUntil;

    public override Task RenewLockAsync(CancellationToken cancellationToken = default) =>
        UnderGateAsync(() => settled ? Task.CompletedTask : SetVisibilityAsync(lockDuration, cancellationToken), settles: false, cancellationToken);

    public override Task CompleteAsync(CancellationToken cancellationToken = default) =>
        UnderGateAsync(() => DeleteAsync(cancellationToken), settles: true, cancellationToken);

    public override bool DelaysRedelivery => true;

    /// <summary>Making the message visible after the retry delay is the queue's own backoff.</summary>
    public override Task AbandonAsync(TimeSpan retryDelay, CancellationToken cancellationToken = default) =>
        UnderGateAsync(() => SetVisibilityAsync(retryDelay < TimeSpan.Zero ? TimeSpan.Zero : retryDelay, cancellationToken), settles: true, cancellationToken);

    public override Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken = default)
    {
        var envelope = new DeadLetteredMessage
        {
            MessageId = message.MessageId,
            Reason = reason,
            Description = description,
            DeliveryCount = DeliveryCount,
            DeadLetteredAt = time.GetUtcNow(),
            Body = message.Body.ToString(),
        };
        return UnderGateAsync(
            async () =>
            {
                // Renew first so the lock holds for the two steps below (and a lost lock stops us before anything is written).
                await SetVisibilityAsync(lockDuration, cancellationToken).ConfigureAwait(false);
                if (!poisonCopySent)
                {
                    await poison.SendMessageAsync(BinaryData.FromBytes(PoisonEnvelope.Serialize(envelope)), cancellationToken: cancellationToken).ConfigureAwait(false);
                    poisonCopySent = true;
                }

                await DeleteAsync(cancellationToken).ConfigureAwait(false);
            },
            settles: true,
            cancellationToken);
    }

    /// <summary>Runs one use of the pop receipt at a time; a settlement that completes marks the message settled.</summary>
    private async Task UnderGateAsync(Func<Task> action, bool settles, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await action().ConfigureAwait(false);
            settled |= settles;
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task DeleteAsync(CancellationToken cancellationToken)
    {
        try
        {
            await queue.DeleteMessageAsync(message.MessageId, popReceipt, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (StorageQueueScanJobSource.IsLockLost(e))
        {
            throw new MessageLockLostException("The queue message was re-received or deleted by another consumer.", e);
        }
    }

    private static BinaryData DecodeBody(BinaryData raw)
    {
        var text = raw.ToString();
        var buffer = new byte[(text.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(text, buffer, out var written) ? BinaryData.FromBytes(buffer.AsMemory(0, written)) : raw;
    }

    private async Task SetVisibilityAsync(TimeSpan visibility, CancellationToken cancellationToken)
    {
        try
        {
            var receipt = await queue.UpdateMessageAsync(message.MessageId, popReceipt, visibilityTimeout: visibility, cancellationToken: cancellationToken).ConfigureAwait(false);
            popReceipt = receipt.Value.PopReceipt;
            lockedUntil = receipt.Value.NextVisibleOn;
        }
        catch (RequestFailedException e) when (StorageQueueScanJobSource.IsLockLost(e))
        {
            throw new MessageLockLostException("The queue message was re-received or deleted by another consumer.", e);
        }
    }
}
