namespace Synomaly.Testing;

/// <summary>A TimeProvider whose time tests set by hand (SAS expiry, throttling, timestamps).</summary>
public sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}
