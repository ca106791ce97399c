using Synomaly.GpuWorker.Messaging;
using Synomaly.GpuWorker.Tests.Support;

namespace Synomaly.GpuWorker.Tests;

public sealed class MessageLockKeeperTests
{
    /// <summary>
    /// How long the test waits in real time for the keeper to set its next timer on the manual clock: a guard against a
    /// hang, not a speed target (10 s ran out once on a 2-core machine under a full build and the suite beside it).
    /// </summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    // The first three tests run the in-memory broker's short locks on a clock the test moves. On the system clock a keeper
    // late by half a lock (100 ms: a thread-pool stall on a loaded 2-core machine) found its lock expired and reported
    // LockExpired, where the test expected the lock kept or lost for another reason.
    [Fact]
    public async Task The_lock_is_renewed_while_the_job_runs_past_its_first_expiry()
    {
        var time = new ManualTimeProvider(Start);
        var source = new InMemoryScanJobSource(lockDuration: TimeSpan.FromMilliseconds(200), time);
        source.Enqueue(BinaryData.FromString("{}"), "m1");
        var delivery = (await source.ReceiveAsync(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken))!;
        var firstExpiry = delivery.LockedUntil;

        await using (var keeper = MessageLockKeeper.Start(delivery, TimeSpan.FromMinutes(1), time))
        {
            await RunClockAsync(time, keeper, until: Start + TimeSpan.FromMilliseconds(700));
            Assert.False(keeper.IsLockLost);
        }

        Assert.True(delivery.LockedUntil > firstExpiry + TimeSpan.FromMilliseconds(300));
        await delivery.CompleteAsync(TestContext.Current.CancellationToken);
        Assert.Equal(SettlementKind.Completed, Assert.Single(source.Settlements).Kind);
    }

    [Fact]
    public async Task A_refused_renewal_cancels_the_lock_lost_token()
    {
        var time = new ManualTimeProvider(Start);
        var source = new InMemoryScanJobSource(lockDuration: TimeSpan.FromMilliseconds(200), time);
        source.Enqueue(BinaryData.FromString("{}"), "m2");
        var delivery = (await source.ReceiveAsync(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken))!;
        await using var keeper = MessageLockKeeper.Start(delivery, TimeSpan.FromMinutes(1), time);

        source.LoseLock("m2");

        await RunClockUntilLostAsync(time, keeper);
        Assert.True(keeper.IsLockLost);
        Assert.Equal(new LockLoss(LockLossReason.RenewalRefused, nameof(MessageLockLostException)), keeper.Loss);
        await Assert.ThrowsAsync<MessageLockLostException>(() => delivery.CompleteAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Renewal_stops_at_the_bound_and_the_lock_is_then_reported_lost()
    {
        var time = new ManualTimeProvider(Start);
        var source = new InMemoryScanJobSource(lockDuration: TimeSpan.FromMilliseconds(200), time);
        source.Enqueue(BinaryData.FromString("{}"), "m3");
        var delivery = (await source.ReceiveAsync(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken))!;
        await using var keeper = MessageLockKeeper.Start(delivery, TimeSpan.FromMilliseconds(300), time);

        await RunClockUntilLostAsync(time, keeper);
        Assert.True(keeper.IsLockLost);
        Assert.Equal(new LockLoss(LockLossReason.RenewalLimitReached), keeper.Loss);
        Assert.True(time.GetUtcNow() >= delivery.LockedUntil, "reported lost before the last renewed lock ran out");
    }

    [Fact]
    public async Task A_renewal_that_times_out_is_retried_and_the_lock_is_reported_lost_only_when_it_runs_out()
    {
        var time = new ManualTimeProvider(Start);
        // What Azure.Core throws when a request outlasts its network timeout: a TaskCanceledException, no token of ours.
        var delivery = new ScriptedDelivery(Start + TimeSpan.FromSeconds(60), _ => throw new TaskCanceledException("The operation was cancelled because it exceeded the configured timeout."));
        var keeper = MessageLockKeeper.Start(delivery, TimeSpan.FromMinutes(30), time);

        await RunClockUntilLostAsync(time, keeper);

        Assert.True(keeper.IsLockLost);
        Assert.Equal(new LockLoss(LockLossReason.LockExpired, nameof(TaskCanceledException)), keeper.Loss);
        Assert.True(delivery.Renewals >= 2, $"{delivery.Renewals} renewals tried");
        Assert.True(time.GetUtcNow() >= delivery.LockedUntil);
        await keeper.DisposeAsync(); // does not rethrow the renewal's error
    }

    [Fact]
    public async Task A_renewal_that_hangs_is_cut_off_when_the_lock_runs_out_and_the_lock_is_reported_lost()
    {
        var time = new ManualTimeProvider(Start);
        var delivery = new ScriptedDelivery(Start + TimeSpan.FromSeconds(60), ct => Task.Delay(Timeout.Infinite, ct));
        await using var keeper = MessageLockKeeper.Start(delivery, TimeSpan.FromMinutes(30), time);

        await RunClockUntilLostAsync(time, keeper);

        Assert.True(keeper.IsLockLost);
        Assert.Equal(1, delivery.Renewals);
        Assert.Equal(delivery.LockedUntil, time.GetUtcNow());
    }

    [Fact]
    public async Task A_renewal_refused_by_the_broker_is_reported_with_the_brokers_error_type()
    {
        var time = new ManualTimeProvider(Start);
        var refusal = new Azure.Messaging.ServiceBus.ServiceBusException("The lock supplied is invalid.", Azure.Messaging.ServiceBus.ServiceBusFailureReason.MessageLockLost);
        var delivery = new ScriptedDelivery(Start + TimeSpan.FromSeconds(60), _ => throw new MessageLockLostException("The Service Bus message lock was lost.", refusal));
        await using var keeper = MessageLockKeeper.Start(delivery, TimeSpan.FromMinutes(30), time);

        await RunClockUntilLostAsync(time, keeper);

        Assert.Equal(new LockLoss(LockLossReason.RenewalRefused, "ServiceBusException"), keeper.Loss);
        Assert.Equal("RenewalRefused (ServiceBusException)", keeper.Loss!.ToString());
    }

    [Fact]
    public async Task A_renewal_that_fails_once_is_retried_and_the_lock_kept()
    {
        var time = new ManualTimeProvider(Start);
        ScriptedDelivery? delivery = null;
        delivery = new ScriptedDelivery(Start + TimeSpan.FromSeconds(60), _ =>
        {
            if (delivery!.Renewals == 1)
            {
                throw new TaskCanceledException("The operation was cancelled because it exceeded the configured timeout.");
            }

            delivery.SetLockedUntil(time.GetUtcNow() + TimeSpan.FromSeconds(60));
            return Task.CompletedTask;
        });
        await using var keeper = MessageLockKeeper.Start(delivery, TimeSpan.FromMinutes(30), time);

        // Three minutes of renewals: the first fails, the next one 15 s later (half the remaining time) succeeds.
        await RunClockAsync(time, keeper, until: Start + TimeSpan.FromMinutes(3));

        Assert.False(keeper.IsLockLost);
        Assert.Null(keeper.Loss);
        Assert.True(delivery.Renewals > 3, $"{delivery.Renewals} renewals");
        Assert.True(delivery.LockedUntil > time.GetUtcNow());
    }

    /// <summary>Moves the clock from timer to timer until the keeper reports the lock lost (or sets no more timers).</summary>
    private static Task RunClockUntilLostAsync(ManualTimeProvider time, MessageLockKeeper keeper) =>
        RunClockAsync(time, keeper, until: DateTimeOffset.MaxValue);

    /// <summary>
    /// Moves the clock from timer to timer until it reaches <paramref name="until"/> or the keeper reports the lock lost
    /// (after which it sets no more timers).
    /// </summary>
    private static async Task RunClockAsync(ManualTimeProvider time, MessageLockKeeper keeper, DateTimeOffset until)
    {
        var lost = Task.Delay(Timeout.Infinite, keeper.LockLost).ContinueWith(_ => { }, TaskScheduler.Default);
        for (var step = 0; step < 1000 && !keeper.IsLockLost && time.GetUtcNow() < until; step++)
        {
            var next = time.NextDueAsync();
            if (await Task.WhenAny(next, lost).WaitAsync(HangGuard, TestContext.Current.CancellationToken) == next)
            {
                time.AdvanceTo(await next);
            }
        }
    }

    /// <summary>A locked delivery whose renewals do what the test says; nothing else is used by the keeper.</summary>
    private sealed class ScriptedDelivery(DateTimeOffset lockedUntil, Func<CancellationToken, Task> renew) : ScanJobDelivery
    {
        private int renewals;

        public int Renewals => Volatile.Read(ref renewals);

        public override string MessageId => "scripted-1";

        public override BinaryData Body => BinaryData.FromString("{}");

        public override int DeliveryCount => 1;

        public override DateTimeOffset EnqueuedAt => Start;

        public override DateTimeOffset LockedUntil => lockedUntil;

        public void SetLockedUntil(DateTimeOffset until) => lockedUntil = until;

        public override Task RenewLockAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref renewals);
            return renew(cancellationToken);
        }

        public override Task CompleteAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

        public override Task AbandonAsync(TimeSpan retryDelay, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public override Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken = default) => Task.CompletedTask;
    }
}
