namespace Synomaly.GpuWorker.Messaging;

/// <summary>
/// Keeps one delivery's lock alive while its job runs, up to a bound (Worker__LockRenewalMinutes), and cancels
/// <see cref="LockLost"/> as soon as the lock is gone: renewal refused, renewal failing until the lock expires, or the
/// bound reached and the lock run out. The job's work observes that token, so nothing runs on after another consumer may
/// have taken the message (Service Bus sample 18's MessageLockLostAsync, for every transport).
/// </summary>
public sealed class MessageLockKeeper : IAsyncDisposable
{
    private static readonly TimeSpan MinimumInterval = TimeSpan.FromMilliseconds(50);
    private readonly ScanJobDelivery delivery;
    private readonly TimeProvider time;
    private readonly DateTimeOffset renewUntil;
    private readonly CancellationTokenSource lockLost = new();
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    private MessageLockKeeper(ScanJobDelivery delivery, TimeSpan renewalBound, TimeProvider time)
    {
        this.delivery = delivery;
        this.time = time;
        renewUntil = time.GetUtcNow() + renewalBound;
        loop = Task.Run(RenewLoopAsync);
    }

    /// <summary>Cancelled once the lock is lost; never cancelled after <see cref="DisposeAsync"/>.</summary>
    public CancellationToken LockLost => lockLost.Token;

    public bool IsLockLost => lockLost.IsCancellationRequested;

    public static MessageLockKeeper Start(ScanJobDelivery delivery, TimeSpan renewalBound, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return new MessageLockKeeper(delivery, renewalBound, time ?? TimeProvider.System);
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync().ConfigureAwait(false);
        await loop.ConfigureAwait(false);
        stop.Dispose();
        lockLost.Dispose();
    }

    private async Task RenewLoopAsync()
    {
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var now = time.GetUtcNow();
                var lockedUntil = delivery.LockedUntil;
                if (now >= lockedUntil)
                {
                    await lockLost.CancelAsync().ConfigureAwait(false);
                    return;
                }

                // Renew at half the remaining lock time: early enough that one failed renewal can be retried.
                var wait = (lockedUntil - now) / 2;
                await Task.Delay(wait < MinimumInterval ? MinimumInterval : wait, time, stop.Token).ConfigureAwait(false);
                if (time.GetUtcNow() >= renewUntil)
                {
                    // The bound is reached: stop renewing and let the lock run out, then report it lost.
                    var remaining = delivery.LockedUntil - time.GetUtcNow();
                    if (remaining > TimeSpan.Zero)
                    {
                        await Task.Delay(remaining, time, stop.Token).ConfigureAwait(false);
                    }

                    await lockLost.CancelAsync().ConfigureAwait(false);
                    return;
                }

                try
                {
                    await delivery.RenewLockAsync(stop.Token).ConfigureAwait(false);
                }
                catch (MessageLockLostException)
                {
                    await lockLost.CancelAsync().ConfigureAwait(false);
                    return;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A transient renewal failure: try again on the next turn while the current lock still holds.
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Disposed: the job finished and settled (or gave up) its message.
        }
    }
}
