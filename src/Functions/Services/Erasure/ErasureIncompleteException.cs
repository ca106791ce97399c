namespace Synomaly.Functions.Services.Erasure;

/// <summary>Why an erasure stopped part way, which decides whether repeating the request finishes it, and when.</summary>
public enum ErasureIncompleteCause
{
    /// <summary>Storage refused a blob delete for a reason of its own (a lease, a conflict): repeating the request may finish it.</summary>
    Refused,

    /// <summary>
    /// A blob is immutable (a time-based retention policy or a legal hold, on it or its container): storage refuses its
    /// delete until the policy ends or the hold is removed, whoever set it decides when, and no repetition before that
    /// helps. Answered 409 like <see cref="Refused"/> (the blob's state, not a fault of the app), without Retry-After.
    /// </summary>
    Immutable,

    /// <summary>
    /// Storage failed for a passing reason (throttled, busy, timed out, no answer: <see cref="Synomaly.Storage.TransientStorageFailure"/>):
    /// the same request finishes the erasure once storage is back, as a 503 of an outage would be repeated.
    /// </summary>
    StorageUnavailable,

    /// <summary>
    /// Storage denied this app a request of the erasure (401 or 403: the Functions identity lacks the role on the job
    /// table, the archive or the container that grants it, or a firewall stands between): no repetition mends that until
    /// an operator does.
    /// </summary>
    AccessDenied,

    /// <summary>
    /// The app's identity could not get a token for a storage request of the erasure, for a lasting reason (Azure.Identity
    /// failed: the managed identity is missing, misconfigured or refused): answered as <see cref="AccessDenied"/> is, since
    /// only the identity's repair lets a repetition finish it.
    /// </summary>
    TokenUnavailable,

    /// <summary>
    /// The app's identity could not get a token for a storage request of the erasure for a passing reason (its endpoint
    /// throttled, failed or could not be reached: <see cref="Synomaly.Storage.TransientIdentityFailure"/>): the same
    /// request finishes the erasure after a pause, as with <see cref="StorageUnavailable"/>.
    /// </summary>
    IdentityUnavailable,

    /// <summary>
    /// A job record kept changing under the erasure (a worker or an intake writing it in a loop): a passing contention, so
    /// the same request finishes the erasure after a pause, as with <see cref="StorageUnavailable"/>.
    /// </summary>
    RecordKeptChanging,
}

/// <summary>
/// The erasure stopped part way: a job record kept changing under it, a blob could not be deleted once the records were
/// tombstones, the records could not be read again once the blobs were deleted, or a request of any step was denied or
/// got no token (possibly before anything was changed, which the message then says). The message says what is done and
/// what is left (no file name); <see cref="Cause"/> whether repeating the request helps.
/// </summary>
public sealed class ErasureIncompleteException(string message, ErasureIncompleteCause cause = ErasureIncompleteCause.Refused) : Exception(message)
{
    public ErasureIncompleteCause Cause { get; } = cause;
}
