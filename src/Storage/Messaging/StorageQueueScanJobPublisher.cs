using Azure.Storage.Queues;
using Synomaly.Contracts;

namespace Synomaly.Storage.Messaging;

/// <summary>
/// Publishes to an Azure Storage Queue (Azurite locally). A scheduled time becomes the message's initial visibility delay.
/// Storage queues have no duplicate detection: callers must not publish twice for the same job (the job record decides).
/// </summary>
public sealed class StorageQueueScanJobPublisher(QueueClient queue, TimeProvider? clock = null) : IScanJobPublisher
{
    /// <summary>The Storage Queue service limit for a visibility timeout.</summary>
    public static readonly TimeSpan MaxVisibilityDelay = TimeSpan.FromDays(7);

    private readonly TimeProvider clock = clock ?? TimeProvider.System;

    public async Task PublishAsync(ScanJob job, DateTimeOffset? scheduledEnqueueTime = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var delay = VisibilityDelay(scheduledEnqueueTime);
        // A message must live past its visibility delay; "never expire" keeps scheduled bulk jobs from vanishing.
        await queue.SendMessageAsync(
            StorageQueueMessageCodec.Encode(job),
            visibilityTimeout: delay > TimeSpan.Zero ? delay : null,
            timeToLive: TimeSpan.FromSeconds(-1),
            cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public async Task PublishBatchAsync(IReadOnlyList<ScanJob> jobs, DateTimeOffset? scheduledEnqueueTime = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        // Storage queues have no batch send; sequential sends keep the order and stop at the first failure.
        foreach (var job in jobs)
        {
            await PublishAsync(job, scheduledEnqueueTime, cancellationToken).ConfigureAwait(false);
        }
    }

    private TimeSpan VisibilityDelay(DateTimeOffset? scheduledEnqueueTime)
    {
        if (scheduledEnqueueTime is not { } at)
        {
            return TimeSpan.Zero;
        }

        var delay = at - clock.GetUtcNow();
        return delay <= TimeSpan.Zero ? TimeSpan.Zero : delay > MaxVisibilityDelay ? MaxVisibilityDelay : delay;
    }
}
