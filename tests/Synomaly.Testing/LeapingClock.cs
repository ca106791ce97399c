namespace Synomaly.Testing;

/// <summary>
/// A clock that leaps ahead by each wait as the wait begins, and then ends it at once: Task.Delay(1 s, clock) completes
/// straight away, one second later by this clock. A loop that polls every second for twenty minutes runs in no time, and
/// its timeout is reached exactly when its waits add up to it. It keeps the lengths of the waits asked for.
/// </summary>
public sealed class LeapingClock(DateTimeOffset start) : TimeProvider
{
    private readonly List<TimeSpan> waits = [];
    private long elapsedTicks;

    /// <summary>The lengths of the waits begun so far, in order.</summary>
    public IReadOnlyList<TimeSpan> Waits
    {
        get
        {
            lock (waits)
            {
                return [.. waits];
            }
        }
    }

    /// <summary>The time the waits have added up to.</summary>
    public TimeSpan Elapsed => TimeSpan.FromTicks(Interlocked.Read(ref elapsedTicks));

    public override DateTimeOffset GetUtcNow() => start + Elapsed;

    public override long GetTimestamp() => Interlocked.Read(ref elapsedTicks);

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    /// <summary>A one-shot timer (Task.Delay's): the clock moves by its due time and its callback runs on the thread pool.</summary>
    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        lock (waits)
        {
            waits.Add(dueTime);
        }

        Interlocked.Add(ref elapsedTicks, dueTime.Ticks);
        ThreadPool.QueueUserWorkItem(_ => callback(state));
        return new FiredTimer();
    }

    private sealed class FiredTimer : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => false;

        public void Dispose()
        {
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
