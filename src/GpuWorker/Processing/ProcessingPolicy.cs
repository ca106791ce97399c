namespace Synomaly.GpuWorker.Processing;

/// <summary>
/// Retry timings of the handler. Not settings: the defaults suit Azure Storage and Service Bus; tests shorten them.
/// </summary>
public sealed record ProcessingPolicy
{
    /// <summary>In-process retries of one storage or status call after a transient fault.</summary>
    public int TransientRetries { get; init; } = 3;

    /// <summary>First in-process retry delay; doubles each time, with jitter.</summary>
    public TimeSpan TransientRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Delay before an abandoned message is visible again (Storage queues), doubled per delivery.</summary>
    public TimeSpan RedeliveryDelay { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxRedeliveryDelay { get; init; } = TimeSpan.FromMinutes(5);

    public TimeSpan RedeliveryDelayFor(int deliveryCount)
    {
        var factor = Math.Pow(2, Math.Clamp(deliveryCount - 1, 0, 20));
        var delay = TimeSpan.FromTicks((long)Math.Min(RedeliveryDelay.Ticks * factor, MaxRedeliveryDelay.Ticks));
        return delay;
    }
}
