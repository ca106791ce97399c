using System.Collections.Concurrent;
using Azure.Messaging.ServiceBus;

namespace Synomaly.Testing;

/// <summary>
/// A <see cref="ServiceBusSender"/> that records what would have been sent (there is no Service Bus emulator here).
/// ServiceBusSender has a protected constructor and virtual send methods for exactly this purpose.
/// </summary>
public sealed class CapturingServiceBusSender(string entityPath = "scan-jobs") : ServiceBusSender
{
    private readonly ConcurrentQueue<ServiceBusMessage> sent = new();
    private int sendCalls;

    public override string EntityPath => entityPath;

    /// <summary>Every message sent so far, in order.</summary>
    public IReadOnlyList<ServiceBusMessage> Sent => [.. sent];

    /// <summary>How many send calls (single or batch) were made.</summary>
    public int SendCalls => sendCalls;

    public override Task SendMessageAsync(ServiceBusMessage message, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Interlocked.Increment(ref sendCalls);
        sent.Enqueue(message);
        return Task.CompletedTask;
    }

    public override Task SendMessagesAsync(IEnumerable<ServiceBusMessage> messages, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Interlocked.Increment(ref sendCalls);
        foreach (var message in messages)
        {
            sent.Enqueue(message);
        }

        return Task.CompletedTask;
    }
}
