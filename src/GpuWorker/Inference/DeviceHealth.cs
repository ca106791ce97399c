using Microsoft.Extensions.Logging;

namespace Synomaly.GpuWorker.Inference;

/// <summary>
/// Counts the model calls in a row that failed on the device. A sticky device error (a device-side assert, a GPU that
/// fell off the bus) fails every later call while the process looks alive and ready, and every job it takes would spend
/// an attempt; after <c>Worker__MaxConsecutiveBatchFailures</c> such batches the replica is reported broken: liveness
/// fails (Health.DeviceLivenessCheck), so the platform restarts it, and the pump takes no new message meanwhile. One
/// batch the device answers resets the count. Batches failed by the job's input (an unknown profile) do not count.
/// </summary>
public sealed partial class DeviceHealth(int maxConsecutiveFailures, ILogger<DeviceHealth> logger)
{
    private int consecutiveFailures;
    private string? lastErrorType;

    /// <summary>Batches in a row whose every model call failed.</summary>
    public int ConsecutiveFailures => Volatile.Read(ref consecutiveFailures);

    /// <summary>The type of the last such failure, for the liveness answer (never its message: libtorch's may name a path).</summary>
    public string? LastErrorType => Volatile.Read(ref lastErrorType);

    public bool IsBroken => ConsecutiveFailures >= maxConsecutiveFailures;

    public void RecordSuccess() => Interlocked.Exchange(ref consecutiveFailures, 0);

    public void RecordFailure(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        Volatile.Write(ref lastErrorType, error.GetType().Name);
        if (Interlocked.Increment(ref consecutiveFailures) == maxConsecutiveFailures)
        {
            LogBroken(maxConsecutiveFailures, error.GetType().Name);
        }
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "The device failed {Count} batches in a row ({ErrorType}); liveness fails so that the replica is restarted, and no new ScanJob is received meanwhile")]
    private partial void LogBroken(int count, string errorType);
}
