using System.Threading.Channels;

namespace Synomaly.GpuWorker.Messaging;

/// <summary>
/// A process-local queue with the same peek-lock semantics as the brokers: every delivery holds a lock token; abandon and
/// a lost lock make the message available again with a higher delivery count, and a delivery whose lock is gone can no
/// longer renew or settle. Dead-lettered messages are kept with their reason. For unit tests and broker-less runs.
/// </summary>
public sealed class InMemoryScanJobSource : IScanJobSource
{
    private readonly Channel<Entry> ready = Channel.CreateUnbounded<Entry>();
    private readonly TimeSpan lockDuration;
    private readonly TimeProvider time;
    private readonly Lock gate = new();
    private readonly List<Settlement> settlements = [];
    private readonly Dictionary<string, Delivery> locked = [];

    public InMemoryScanJobSource(TimeSpan? lockDuration = null, TimeProvider? time = null)
    {
        this.lockDuration = lockDuration ?? TimeSpan.FromMinutes(1);
        this.time = time ?? TimeProvider.System;
    }

    /// <summary>Every settlement so far, in order.</summary>
    public IReadOnlyList<Settlement> Settlements
    {
        get
        {
            lock (gate)
            {
                return [.. settlements];
            }
        }
    }

    /// <summary>Messages waiting to be received (not counting locked ones).</summary>
    public int PendingCount => ready.Reader.Count;

    public void Enqueue(BinaryData body, string messageId, int previousDeliveries = 0) =>
        ready.Writer.TryWrite(new Entry(messageId, body, previousDeliveries, time.GetUtcNow()));

    /// <summary>
    /// Simulates the broker taking the lock away (expiry, a partition move): the holder can no longer renew or settle, and
    /// the message is available again.
    /// </summary>
    public void LoseLock(string messageId)
    {
        lock (gate)
        {
            if (locked.Remove(messageId, out var holder))
            {
                ready.Writer.TryWrite(holder.Entry);
            }
        }
    }

    public async Task<ScanJobDelivery?> ReceiveAsync(TimeSpan maxWait, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(maxWait);
        Entry entry;
        try
        {
            entry = await ready.Reader.ReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }

        var delivery = new Delivery(this, entry with { DeliveryCount = entry.DeliveryCount + 1 }, time.GetUtcNow() + lockDuration);
        lock (gate)
        {
            locked[entry.MessageId] = delivery;
        }

        return delivery;
    }

    public Task ProbeAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    private void Renew(Delivery delivery)
    {
        lock (gate)
        {
            RequireLock(delivery);
            delivery.Extend(time.GetUtcNow() + lockDuration);
        }
    }

    private void Settle(Delivery delivery, SettlementKind kind, string? reason = null, string? description = null)
    {
        lock (gate)
        {
            RequireLock(delivery);
            locked.Remove(delivery.MessageId);
            settlements.Add(new Settlement(delivery.MessageId, delivery.DeliveryCount, kind, reason, description));
            if (kind == SettlementKind.Abandoned)
            {
                ready.Writer.TryWrite(delivery.Entry);
            }
        }
    }

    private void RequireLock(Delivery delivery)
    {
        if (!locked.TryGetValue(delivery.MessageId, out var holder) || !ReferenceEquals(holder, delivery))
        {
            throw new MessageLockLostException($"The lock on message {delivery.MessageId} (delivery {delivery.DeliveryCount}) was lost.");
        }
    }

    private sealed record Entry(string MessageId, BinaryData Body, int DeliveryCount, DateTimeOffset EnqueuedAt);

    private sealed class Delivery(InMemoryScanJobSource source, Entry entry, DateTimeOffset lockedUntil) : ScanJobDelivery
    {
        private DateTimeOffset lockedUntil = lockedUntil;

        public Entry Entry => entry;

        public override string MessageId => entry.MessageId;

        public override BinaryData Body => entry.Body;

        public override int DeliveryCount => entry.DeliveryCount;

        public override DateTimeOffset EnqueuedAt => entry.EnqueuedAt;

        public override DateTimeOffset LockedUntil => lockedUntil;

        public void Extend(DateTimeOffset until) => lockedUntil = until;

        public override Task RenewLockAsync(CancellationToken cancellationToken = default)
        {
            source.Renew(this);
            return Task.CompletedTask;
        }

        public override Task CompleteAsync(CancellationToken cancellationToken = default)
        {
            source.Settle(this, SettlementKind.Completed);
            return Task.CompletedTask;
        }

        public override Task AbandonAsync(TimeSpan retryDelay, CancellationToken cancellationToken = default)
        {
            source.Settle(this, SettlementKind.Abandoned);
            return Task.CompletedTask;
        }

        public override Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken = default)
        {
            source.Settle(this, SettlementKind.DeadLettered, reason, description);
            return Task.CompletedTask;
        }
    }
}
