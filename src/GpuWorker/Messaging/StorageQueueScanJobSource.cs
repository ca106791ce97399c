using Azure;
using Azure.Storage.Queues;
using Synomaly.Storage.Messaging;

namespace Synomaly.GpuWorker.Messaging;

/// <summary>
/// ScanJobs from an Azure Storage queue (Azurite for local runs and end-to-end tests). The visibility timeout is the lock:
/// a received message is invisible for <c>lockDuration</c>, renewal extends it with UpdateMessage, completion deletes it,
/// and a message whose consumer died becomes visible again with a higher dequeue count. Dead-lettering moves it to
/// {queue}-poison with the reason, as the Functions queue trigger's poison handling does.
/// </summary>
public sealed class StorageQueueScanJobSource : IScanJobSource
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);
    private readonly QueueClient queue;
    private readonly QueueClient poison;
    private readonly TimeSpan lockDuration;
    private readonly TimeProvider time;

    public StorageQueueScanJobSource(QueueClient queue, QueueClient poison, TimeSpan lockDuration, TimeProvider? time = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(lockDuration, TimeSpan.FromSeconds(1));
        this.queue = queue;
        this.poison = poison;
        this.lockDuration = lockDuration;
        this.time = time ?? TimeProvider.System;
    }

    /// <summary>The poison queue's name for a queue (the Functions convention, <see cref="PoisonQueue"/>).</summary>
    public static string PoisonQueueName(string queueName) => PoisonQueue.NameOf(queueName);

    public async Task<ScanJobDelivery?> ReceiveAsync(TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        // Storage queues have no long polling: poll until a message arrives or the wait is over.
        var deadline = time.GetUtcNow() + maxWait;
        while (true)
        {
            var response = await queue.ReceiveMessageAsync(lockDuration, cancellationToken).ConfigureAwait(false);
            if (response.Value is { } message)
            {
                return new StorageQueueScanJobDelivery(queue, poison, message, lockDuration, time);
            }

            var remaining = deadline - time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return null;
            }

            await Task.Delay(remaining < PollInterval ? remaining : PollInterval, time, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task ProbeAsync(CancellationToken cancellationToken = default) => queue.GetPropertiesAsync(cancellationToken);

    /// <summary>Creates the queue and its poison queue (local runs; in Azure the templates create them).</summary>
    public async Task CreateIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await poison.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A message that is gone or re-received elsewhere answers 404 (MessageNotFound) or 400 (PopReceiptMismatch).</summary>
    internal static bool IsLockLost(RequestFailedException e) =>
        e.Status == 404 || string.Equals(e.ErrorCode, "PopReceiptMismatch", StringComparison.Ordinal);
}
