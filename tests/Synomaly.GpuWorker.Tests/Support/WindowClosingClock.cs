namespace Synomaly.GpuWorker.Tests.Support;

/// <summary>
/// A clock that stands still and fires every timer as it is set, before the code that set it can wait on it: a batch
/// window closes the moment the batcher starts waiting for more slices. <paramref name="beforeFirstClose"/> runs as the
/// first window closes, as another job would on a busy machine, queueing its slices just as the window closes.
/// </summary>
internal sealed class WindowClosingClock(Action beforeFirstClose) : TimeProvider
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private int timers;

    public override DateTimeOffset GetUtcNow() => Start;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        if (Interlocked.Increment(ref timers) == 1)
        {
            beforeFirstClose();
        }

        callback(state);
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
