using Synomaly.GpuWorker.Messaging;

namespace Synomaly.GpuWorker.Processing;

/// <summary>
/// How a message is given back for a later attempt, the same on every transport: visible again only after the backoff of
/// its delivery (<see cref="ProcessingPolicy.RedeliveryDelayFor"/>), and never given back where the broker would then
/// end it by itself, without the worker's reason.
/// </summary>
internal sealed class Redelivery(ProcessingPolicy policy, TimeProvider time, int maxDeliveryCount)
{
    /// <summary>
    /// Whether abandoning <paramref name="delivery"/> would have the broker dead-letter the message by itself: Service Bus
    /// on its last allowed delivery (the queue's maxDeliveryCount is Worker__MaxDeliveryCount + 1, so the worker's own
    /// attempts end first). Such a dead letter carries no reason of the worker's and leaves the job record as it is.
    /// </summary>
    public bool IsBrokersLast(ScanJobDelivery delivery) =>
        delivery.BrokerEndsRedelivery && delivery.DeliveryCount > maxDeliveryCount;

    /// <summary>
    /// Abandons <paramref name="delivery"/> with its backoff. A Storage queue keeps the message invisible for the delay; a
    /// transport that redelivers at once (Service Bus) would spend every attempt within seconds of an outage, so there the
    /// message is held for the delay first, its lock kept by the job's MessageLockKeeper. <paramref name="hold"/> (a lost
    /// lock, the shutdown deadline) cuts the wait short and the message is given back at once.
    /// </summary>
    public async Task AbandonAsync(ScanJobDelivery delivery, CancellationToken hold)
    {
        var delay = policy.RedeliveryDelayFor(delivery.DeliveryCount);
        if (!delivery.DelaysRedelivery && delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, time, hold).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (hold.IsCancellationRequested)
            {
                // Give it back now: another replica takes it (shutdown), or the abandon reports the lost lock.
            }
        }

        // Not cancelled by the hold: once the wait is over, the message must be given back either way.
        await delivery.AbandonAsync(delay, CancellationToken.None).ConfigureAwait(false);
    }
}
