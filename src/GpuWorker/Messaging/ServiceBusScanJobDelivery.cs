using Azure.Messaging.ServiceBus;

namespace Synomaly.GpuWorker.Messaging;

/// <summary>One locked Service Bus message; a lost lock surfaces as <see cref="MessageLockLostException"/>.</summary>
public sealed class ServiceBusScanJobDelivery(ServiceBusReceiver receiver, ServiceBusReceivedMessage message) : ScanJobDelivery
{
    public override string MessageId => message.MessageId;

    public override BinaryData Body => message.Body;

    public override int DeliveryCount => message.DeliveryCount;

    public override DateTimeOffset EnqueuedAt => message.EnqueuedTime;

    public override DateTimeOffset LockedUntil => message.LockedUntil;

    public override Task RenewLockAsync(CancellationToken cancellationToken = default) =>
        TranslateLockLostAsync(() => receiver.RenewMessageLockAsync(message, cancellationToken));

    public override Task CompleteAsync(CancellationToken cancellationToken = default) =>
        TranslateLockLostAsync(() => receiver.CompleteMessageAsync(message, cancellationToken));

    /// <summary>The queue's maxDeliveryCount (Worker__MaxDeliveryCount + 1) dead-letters a message abandoned on its last delivery.</summary>
    public override bool BrokerEndsRedelivery => true;

    /// <summary>
    /// Service Bus redelivers an abandoned message at once (<see cref="ScanJobDelivery.DelaysRedelivery"/> is false): the
    /// handler has held it for <paramref name="retryDelay"/> already.
    /// </summary>
    public override Task AbandonAsync(TimeSpan retryDelay, CancellationToken cancellationToken = default) =>
        TranslateLockLostAsync(() => receiver.AbandonMessageAsync(message, cancellationToken: cancellationToken));

    public override Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken = default) =>
        TranslateLockLostAsync(() => receiver.DeadLetterMessageAsync(message, reason, description, cancellationToken));

    private static async Task TranslateLockLostAsync(Func<Task> operation)
    {
        try
        {
            await operation().ConfigureAwait(false);
        }
        catch (ServiceBusException e) when (e.Reason is ServiceBusFailureReason.MessageLockLost)
        {
            throw new MessageLockLostException("The Service Bus message lock was lost.", e);
        }
    }
}
