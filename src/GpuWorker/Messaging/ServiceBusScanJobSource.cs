using Azure.Messaging.ServiceBus;

namespace Synomaly.GpuWorker.Messaging;

/// <summary>
/// ScanJobs from a Service Bus queue through a peek-lock <see cref="ServiceBusReceiver"/> (PrefetchCount 0, so no message
/// waits locked in a buffer while the GPU is busy). Lock renewal is done per job by <see cref="MessageLockKeeper"/> up to
/// Worker__LockRenewalMinutes, the same as the processor's MaxAutoLockRenewalDuration, but with the same code path as the
/// Storage Queue transport; settlement is always explicit (never auto-complete).
/// </summary>
public sealed class ServiceBusScanJobSource(ServiceBusReceiver receiver) : IScanJobSource
{
    public async Task<ScanJobDelivery?> ReceiveAsync(TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        var message = await receiver.ReceiveMessageAsync(maxWait, cancellationToken).ConfigureAwait(false);
        return message is null ? null : new ServiceBusScanJobDelivery(receiver, message);
    }

    /// <summary>Peeking needs the same Listen right as receiving and takes no lock.</summary>
    public Task ProbeAsync(CancellationToken cancellationToken = default) =>
        receiver.PeekMessageAsync(cancellationToken: cancellationToken);
}
