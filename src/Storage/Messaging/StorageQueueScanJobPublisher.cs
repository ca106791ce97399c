using Azure.Storage.Queues;
using Synomaly.Contracts;

namespace Synomaly.Storage.Messaging;

/// <summary>
/// Publishes to an Azure Storage Queue (Azurite locally). A scheduled time becomes the message's initial visibility delay,
/// at most <see cref="ScanJobSchedule.MaxDelay"/> (the service's own limit).
/// Storage queues have no duplicate detection: callers must not publish twice for the same job (the job record decides).
/// </summary>
/// <param name="messageTimeToLive">
/// How long a message waits for a worker once it is visible, as the Service Bus queue's time to live does (the Functions
/// app passes <c>Expiry__MessageTimeToLiveHours</c>, so that the expiry sweep fails a job only after its message is
/// gone); null keeps messages until they are received.
/// </param>
public sealed class StorageQueueScanJobPublisher(QueueClient queue, TimeProvider? clock = null, TimeSpan? messageTimeToLive = null) : IScanJobPublisher
{
    /// <summary>The service's value for "never expires".</summary>
    private static readonly TimeSpan NeverExpires = TimeSpan.FromSeconds(-1);

    private readonly TimeProvider clock = clock ?? TimeProvider.System;

    public async Task PublishAsync(ScanJob job, DateTimeOffset? scheduledEnqueueTime = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        var delay = VisibilityDelay(scheduledEnqueueTime);
        await queue.SendMessageAsync(
            StorageQueueMessageCodec.Encode(job),
            visibilityTimeout: delay > TimeSpan.Zero ? delay : null,
            timeToLive: TimeToLive(delay),
            cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    public async Task PublishBatchAsync(IReadOnlyList<ScanJob> jobs, DateTimeOffset? scheduledEnqueueTime = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        // Storage queues have no batch send; sequential sends keep the order and stop at the first failure. The jobs
        // sent before it are on the queue for good: the caller is told which, so that it confirms them rather than
        // sending them again (a Storage Queue would deliver both copies).
        for (var sent = 0; sent < jobs.Count; sent++)
        {
            try
            {
                await PublishAsync(jobs[sent], scheduledEnqueueTime, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (sent > 0)
            {
                throw new ScanJobBatchPartlySentException([.. jobs.Take(sent)], jobs.Count, e);
            }
        }
    }

    /// <summary>
    /// A Storage Queue message's time to live counts from when it is sent, a scheduled Service Bus message's from when it
    /// is enqueued: the delay is added so that both wait the same time once visible (the service also refuses a message
    /// that would expire before it becomes visible).
    /// </summary>
    private TimeSpan? TimeToLive(TimeSpan delay) => messageTimeToLive is { } ttl ? delay + ttl : NeverExpires;

    private TimeSpan VisibilityDelay(DateTimeOffset? scheduledEnqueueTime)
    {
        if (scheduledEnqueueTime is not { } at)
        {
            return TimeSpan.Zero;
        }

        var now = clock.GetUtcNow();
        var delay = ScanJobSchedule.Cap(at, now)!.Value - now;
        return delay <= TimeSpan.Zero ? TimeSpan.Zero : delay;
    }
}
