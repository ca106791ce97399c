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

    /// <summary>Far beyond any broker's lock, and within what a timer accepts (a lock's end can be far off in tests).</summary>
    private static readonly TimeSpan MaximumRenewalWait = TimeSpan.FromDays(1);
    private readonly ScanJobDelivery delivery;
    private readonly TimeProvider time;
    private readonly DateTimeOffset renewUntil;
    private readonly CancellationTokenSource lockLost = new();
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private LockLoss? loss;
    private string? lastRenewalError;

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

    /// <summary>Why the lock was lost; set before <see cref="LockLost"/> is cancelled, null while it is held.</summary>
    public LockLoss? Loss => Volatile.Read(ref loss);

    public static MessageLockKeeper Start(ScanJobDelivery delivery, TimeSpan renewalBound, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return new MessageLockKeeper(delivery, renewalBound, time ?? TimeProvider.System);
    }

    /// <summary>Stops renewing. Never throws: the job has settled (or given up) its message by now, whatever the keeper met.</summary>
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
            await RenewWhileHeldAsync().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Disposed: the job finished and settled (or gave up) its message.
        }
        catch (Exception e)
        {
            // The keeper itself failed: nobody renews the lock any more, so the job stops as if it were lost (the broker
            // redelivers), and the fault ends here rather than in DisposeAsync, after the job has settled.
            await ReportLostAsync(new LockLoss(LockLossReason.KeeperFailed, e.GetType().Name)).ConfigureAwait(false);
        }
    }

    private async Task RenewWhileHeldAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            var now = time.GetUtcNow();
            var lockedUntil = delivery.LockedUntil;
            if (now >= lockedUntil)
            {
                await ReportLostAsync(new LockLoss(LockLossReason.LockExpired, lastRenewalError)).ConfigureAwait(false);
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

                await ReportLostAsync(new LockLoss(LockLossReason.RenewalLimitReached)).ConfigureAwait(false);
                return;
            }

            if (await RenewalRefusalAsync().ConfigureAwait(false) is { } refused)
            {
                await ReportLostAsync(refused).ConfigureAwait(false);
                return;
            }
        }
    }

    /// <summary>The reason first, so that whoever sees the token cancelled can read it.</summary>
    private Task ReportLostAsync(LockLoss reason)
    {
        Volatile.Write(ref loss, reason);
        return lockLost.CancelAsync();
    }

    /// <summary>
    /// One renewal, bounded by the time left on the lock: a call still running when the lock expires cannot save it, and
    /// without the bound a hung call would keep the loop from ever reporting the lock lost. The loss when the broker
    /// refused (the lock is gone), else null. Any other failure is one failed attempt, tried again on the next turn while
    /// the lock holds: a network timeout, for example, surfaces as a TaskCanceledException that is not the keeper's own
    /// cancellation; its type is kept, should the lock run out before a renewal goes through.
    /// </summary>
    private async Task<LockLoss?> RenewalRefusalAsync()
    {
        var left = delivery.LockedUntil - time.GetUtcNow();
        if (left <= TimeSpan.Zero)
        {
            return null; // the next turn reports the lock lost
        }

        using var bound = new CancellationTokenSource(left < MaximumRenewalWait ? left : MaximumRenewalWait, time);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, bound.Token);
        try
        {
            await delivery.RenewLockAsync(attempt.Token).ConfigureAwait(false);
            return null;
        }
        catch (MessageLockLostException e)
        {
            return new LockLoss(LockLossReason.RenewalRefused, LockLoss.ErrorTypeOf(e));
        }
        catch (Exception e) when (!stop.IsCancellationRequested)
        {
            lastRenewalError = e.GetType().Name;
            return null;
        }
    }
}
