namespace Synomaly.GpuWorker.Tests.Support;

/// <summary>
/// A clock that only moves when a test moves it, with timers (Task.Delay, CancellationTokenSource delays) that fire when
/// it reaches their due time: waits of seconds or minutes run in no time, in a fixed order.
/// </summary>
internal sealed class ManualTimeProvider(DateTimeOffset start) : TimeProvider
{
    private readonly Lock gate = new();
    private readonly List<ManualTimer> active = [];
    private TaskCompletionSource scheduled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private DateTimeOffset now = start;

    public override DateTimeOffset GetUtcNow()
    {
        lock (gate)
        {
            return now;
        }
    }

    public override long GetTimestamp() => GetUtcNow().UtcTicks;

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ManualTimer(this, callback, state);
        timer.Change(dueTime, period);
        return timer;
    }

    /// <summary>The due time of the earliest timer, once one is set (the code under test may set it a moment later).</summary>
    public async Task<DateTimeOffset> NextDueAsync()
    {
        while (true)
        {
            Task wait;
            lock (gate)
            {
                if (active.Count > 0)
                {
                    return active.Min(t => t.DueAt);
                }

                wait = scheduled.Task;
            }

            await wait.ConfigureAwait(false);
        }
    }

    /// <summary>Completes once a timer is set to fire at <paramref name="dueAt"/>.</summary>
    public async Task WaitForTimerAsync(DateTimeOffset dueAt)
    {
        while (true)
        {
            Task wait;
            lock (gate)
            {
                if (active.Any(t => t.DueAt == dueAt))
                {
                    return;
                }

                wait = scheduled.Task;
            }

            await wait.ConfigureAwait(false);
        }
    }

    /// <summary>Completes once <paramref name="count"/> timers are set at the same time (each of several loops waiting, say).</summary>
    public async Task WaitForTimersAsync(int count)
    {
        while (true)
        {
            Task wait;
            lock (gate)
            {
                if (active.Count >= count)
                {
                    return;
                }

                wait = scheduled.Task;
            }

            await wait.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Moves the clock from timer to timer until <paramref name="work"/> ends (or 1000 timers have fired): its waits then
    /// pass at once, whatever the load on the machine. <paramref name="hangGuard"/> bounds, in real time, each wait for the
    /// work to set its next timer or end.
    /// </summary>
    public async Task RunTimersUntilAsync(Task work, TimeSpan hangGuard, CancellationToken cancellationToken)
    {
        for (var step = 0; step < 1000 && !work.IsCompleted; step++)
        {
            var next = NextDueAsync();
            if (await Task.WhenAny(next, work).WaitAsync(hangGuard, cancellationToken).ConfigureAwait(false) == next)
            {
                AdvanceTo(await next.ConfigureAwait(false));
            }
        }
    }

    /// <summary>Moves the clock to <paramref name="target"/>, firing every timer due by then in due-time order.</summary>
    public void AdvanceTo(DateTimeOffset target)
    {
        while (true)
        {
            ManualTimer? due;
            lock (gate)
            {
                due = active.Where(t => t.DueAt <= target).MinBy(t => t.DueAt);
                if (due is null)
                {
                    now = target > now ? target : now;
                    return;
                }

                now = due.DueAt > now ? due.DueAt : now;
                active.Remove(due);
                if (due.Period > TimeSpan.Zero && due.Period != Timeout.InfiniteTimeSpan)
                {
                    Schedule(due, now + due.Period);
                }
            }

            due.Fire();
        }
    }

    private void Schedule(ManualTimer timer, DateTimeOffset dueAt)
    {
        timer.DueAt = dueAt;
        active.Add(timer);
        var waiting = scheduled;
        scheduled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        waiting.SetResult();
    }

    private sealed class ManualTimer(ManualTimeProvider owner, TimerCallback callback, object? state) : ITimer
    {
        public DateTimeOffset DueAt { get; set; }

        public TimeSpan Period { get; private set; }

        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            lock (owner.gate)
            {
                owner.active.Remove(this);
                Period = period;
                if (dueTime != Timeout.InfiniteTimeSpan)
                {
                    owner.Schedule(this, owner.now + dueTime);
                }
            }

            return true;
        }

        public void Fire() => callback(state);

        public void Dispose()
        {
            lock (owner.gate)
            {
                owner.active.Remove(this);
            }
        }

        public ValueTask DisposeAsync()
        {
            Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
