using Synomaly.GpuWorker.Messaging;

namespace Synomaly.GpuWorker.Tests;

public sealed class MessageLockKeeperTests
{
    [Fact]
    public async Task The_lock_is_renewed_while_the_job_runs_past_its_first_expiry()
    {
        var source = new InMemoryScanJobSource(lockDuration: TimeSpan.FromMilliseconds(200));
        source.Enqueue(BinaryData.FromString("{}"), "m1");
        var delivery = (await source.ReceiveAsync(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken))!;
        var firstExpiry = delivery.LockedUntil;

        await using (var keeper = MessageLockKeeper.Start(delivery, TimeSpan.FromMinutes(1)))
        {
            await Task.Delay(700, TestContext.Current.CancellationToken);
            Assert.False(keeper.IsLockLost);
        }

        Assert.True(delivery.LockedUntil > firstExpiry + TimeSpan.FromMilliseconds(300));
        await delivery.CompleteAsync(TestContext.Current.CancellationToken);
        Assert.Equal(SettlementKind.Completed, Assert.Single(source.Settlements).Kind);
    }

    [Fact]
    public async Task A_refused_renewal_cancels_the_lock_lost_token()
    {
        var source = new InMemoryScanJobSource(lockDuration: TimeSpan.FromMilliseconds(200));
        source.Enqueue(BinaryData.FromString("{}"), "m2");
        var delivery = (await source.ReceiveAsync(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken))!;
        await using var keeper = MessageLockKeeper.Start(delivery, TimeSpan.FromMinutes(1));

        source.LoseLock("m2");

        await Task.Delay(Timeout.Infinite, keeper.LockLost).ContinueWith(_ => { }, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.True(keeper.IsLockLost);
        await Assert.ThrowsAsync<MessageLockLostException>(() => delivery.CompleteAsync(TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Renewal_stops_at_the_bound_and_the_lock_is_then_reported_lost()
    {
        var source = new InMemoryScanJobSource(lockDuration: TimeSpan.FromMilliseconds(200));
        source.Enqueue(BinaryData.FromString("{}"), "m3");
        var delivery = (await source.ReceiveAsync(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken))!;
        await using var keeper = MessageLockKeeper.Start(delivery, TimeSpan.FromMilliseconds(300));

        await Task.Delay(Timeout.Infinite, keeper.LockLost).ContinueWith(_ => { }, TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        Assert.True(keeper.IsLockLost);
    }
}
