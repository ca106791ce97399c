namespace Synomaly.GpuWorker.Tests.Support;

/// <summary>
/// A clock that moves on by <paramref name="step"/> every time it is read, as a busy machine's does between two reads:
/// code that reads it twice sees time pass in between. Timers are the system's.
/// </summary>
internal sealed class SteppingClock(TimeSpan step) : TimeProvider
{
    private long ticks = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Add(ref ticks, step.Ticks), TimeSpan.Zero);
}
