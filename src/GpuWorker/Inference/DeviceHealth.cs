using Microsoft.Extensions.Logging;

namespace Synomaly.GpuWorker.Inference;

/// <summary>
/// Counts the model calls in a row that failed on the device. A sticky device error (a device-side assert, a GPU that
/// fell off the bus) fails every later call while the process looks alive and ready, and every job it takes would spend
/// an attempt; after <c>Worker__MaxConsecutiveBatchFailures</c> such batches the replica is reported broken: liveness
/// fails (Health.DeviceLivenessCheck), so the platform restarts it, and the pump takes no new message meanwhile. One
/// batch the device answers resets the count. Batches failed by the job's input (an unknown profile) do not count.
/// Where nothing restarts the process (a local worker, the demo) the pause is not for good: <see cref="ProbeAfter"/>
/// after the last failure the pump takes messages again, so a device that recovered (or a fault that was not the
/// device's) lets the queue drain, and one that did not fails those jobs with their reason instead of leaving them Queued.
/// </summary>
public sealed partial class DeviceHealth(int maxConsecutiveFailures, ILogger<DeviceHealth> logger, TimeProvider? time = null)
{
    /// <summary>How long a broken device holds receiving after its last failed batch before the pump tries again.</summary>
    public static readonly TimeSpan ProbeAfter = TimeSpan.FromMinutes(2);

    private readonly TimeProvider clock = time ?? TimeProvider.System;
    private int consecutiveFailures;
    private string? lastErrorType;
    private long lastFailureTicks;

    /// <summary>Batches in a row whose every model call failed.</summary>
    public int ConsecutiveFailures => Volatile.Read(ref consecutiveFailures);

    /// <summary>The type of the last such failure, for the liveness answer (never its message: libtorch's may name a path).</summary>
    public string? LastErrorType => Volatile.Read(ref lastErrorType);

    public bool IsBroken => ConsecutiveFailures >= maxConsecutiveFailures;

    /// <summary>Whether the pump should take no message now: broken, and its last failure less than <see cref="ProbeAfter"/> ago.</summary>
    public bool HoldsReceiving =>
        IsBroken && clock.GetUtcNow().UtcTicks - Interlocked.Read(ref lastFailureTicks) < ProbeAfter.Ticks;

    public void RecordSuccess() => Interlocked.Exchange(ref consecutiveFailures, 0);

    public void RecordFailure(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        Volatile.Write(ref lastErrorType, error.GetType().Name);
        Interlocked.Exchange(ref lastFailureTicks, clock.GetUtcNow().UtcTicks);
        if (Interlocked.Increment(ref consecutiveFailures) == maxConsecutiveFailures)
        {
            LogBroken(maxConsecutiveFailures, error.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "The device failed {Count} batches in a row ({ErrorType}); liveness fails so that the replica is restarted, and no new ScanJob is received meanwhile")]
    private partial void LogBroken(int count, string errorType);
}
