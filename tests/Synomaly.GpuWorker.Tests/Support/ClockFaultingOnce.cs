namespace Synomaly.GpuWorker.Tests.Support;

/// <summary>The system clock, except that read number <paramref name="faultyRead"/> throws: a fault the caller did not expect.</summary>
internal sealed class ClockFaultingOnce(int faultyRead) : TimeProvider
{
    private int reads;

    public static InvalidOperationException Fault { get; } = new("The clock failed (injected).");

    public override DateTimeOffset GetUtcNow() =>
        Interlocked.Increment(ref reads) == faultyRead ? throw Fault : System.GetUtcNow();
}
