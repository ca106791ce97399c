using System.Collections.Concurrent;
using Azure.Messaging.ServiceBus;

namespace Synomaly.GpuWorker.Tests.Support;

/// <summary>
/// A ServiceBusReceiver stand-in (the SDK's mocking pattern: protected constructor, virtual methods) that hands out
/// prepared messages and records every settlement call; renewal can be made to fail as a lost lock.
/// </summary>
internal sealed class RecordingServiceBusReceiver : ServiceBusReceiver
{
    private readonly ConcurrentQueue<ServiceBusReceivedMessage> messages = new();

    public ConcurrentQueue<string> Calls { get; } = new();

    public bool LockLost { get; set; }

    public void Add(ServiceBusReceivedMessage message) => messages.Enqueue(message);

    public override Task<ServiceBusReceivedMessage?> ReceiveMessageAsync(TimeSpan? maxWaitTime = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(messages.TryDequeue(out var message) ? message : null);

    public override Task<ServiceBusReceivedMessage?> PeekMessageAsync(long? fromSequenceNumber = null, CancellationToken cancellationToken = default) =>
        Task.FromResult<ServiceBusReceivedMessage?>(null);

    public override Task RenewMessageLockAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue("renew");
        return LockLost ? throw new ServiceBusException("The lock supplied is invalid.", ServiceBusFailureReason.MessageLockLost) : Task.CompletedTask;
    }

    public override Task CompleteMessageAsync(ServiceBusReceivedMessage message, CancellationToken cancellationToken = default) => Settle("complete");

    public override Task AbandonMessageAsync(ServiceBusReceivedMessage message, IDictionary<string, object>? propertiesToModify = null, CancellationToken cancellationToken = default) => Settle("abandon");

    public override Task DeadLetterMessageAsync(ServiceBusReceivedMessage message, string deadLetterReason, string? deadLetterErrorDescription = null, CancellationToken cancellationToken = default) =>
        Settle($"deadletter:{deadLetterReason}");

    private Task Settle(string call)
    {
        if (LockLost)
        {
            throw new ServiceBusException("The lock supplied is invalid.", ServiceBusFailureReason.MessageLockLost);
        }

        Calls.Enqueue(call);
        return Task.CompletedTask;
    }
}
