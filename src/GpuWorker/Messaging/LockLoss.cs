namespace Synomaly.GpuWorker.Messaging;

/// <summary>Why a delivery's lock was lost: what the "message lock lost" log line names, so an operator can tell the causes apart.</summary>
public enum LockLossReason
{
    /// <summary>Renewal stopped at Worker__LockRenewalMinutes and the lock ran out: the job ran longer than the bound allows.</summary>
    RenewalLimitReached,

    /// <summary>The broker refused a renewal: the lock had expired or another consumer holds the message.</summary>
    RenewalRefused,

    /// <summary>The lock ran out before a renewal went through (renewals timing out, or none due in time).</summary>
    LockExpired,

    /// <summary>A settle call (complete, abandon, dead-letter) found the lock gone.</summary>
    SettlementRefused,

    /// <summary>The lock keeper itself failed, so nobody renewed the lock any more.</summary>
    KeeperFailed,
}

/// <summary>A lost lock: why, and the type of the error that told (none where the bound was reached).</summary>
public sealed record LockLoss(LockLossReason Reason, string? ErrorType = null)
{
    /// <summary>The reason, with the error type where there is one: <c>RenewalRefused (ServiceBusException)</c>.</summary>
    public override string ToString() => ErrorType is null ? Reason.ToString() : $"{Reason} ({ErrorType})";

    /// <summary>
    /// The type that says who refused: the broker's exception where the transport wrapped it in a
    /// <see cref="MessageLockLostException"/>, else the error's own.
    /// </summary>
    public static string ErrorTypeOf(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error is MessageLockLostException { InnerException: { } broker } ? broker.GetType().Name : error.GetType().Name;
    }
}
