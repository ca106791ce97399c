using Azure;

namespace Synomaly.Storage;

/// <summary>
/// Whether a storage call failed for a passing reason, so that the same request succeeds once storage is back: the
/// service throttled it (429, and the 503 ServerBusy by which Azure Storage throttles), was busy or failed inside (500,
/// 502, 503, 504), timed out (408), or gave no answer at all, which the Azure SDK reports, once its own retries are spent,
/// as status 0 (a network fault), as an AggregateException of one network fault or timeout per try, or, where only the
/// last try failed so (the tries before got passing answers), as that try's exception alone. The API answers these with
/// a 503 and Retry-After. Everything else stays an exception, for the host to answer 500 and log loudly: 400, 404, 409
/// and 412 are bugs of this app (the typed errors already cover a missing table), 401 and 403 a missing role or a
/// firewall that no retry mends, and 501 or 505 a request this app should never make. A caller's cancellation is never
/// storage's failure, and passes on.
/// </summary>
public static class TransientStorageFailure
{
    /// <summary>The storage failure behind <paramref name="error"/> if it passes; null otherwise.</summary>
    /// <param name="cancellationToken">
    /// The token the failed calls were given. Azure.Core ends a try that outlasts its network timeout with a
    /// TaskCanceledException on a token of its own, and a try the caller cancelled with one much like it; which it was
    /// shows only in whether the caller's token is cancelled. Once it is, nothing passes: the retry policy puts the
    /// cancelled try into the AggregateException beside the timeouts before it, which read as an outage and answered 503
    /// to a caller that had gone away.
    /// </param>
    public static StorageFailure? Of(Exception error, CancellationToken cancellationToken) => cancellationToken.IsCancellationRequested ? null : error switch
    {
        RequestFailedException e when IsTransientStatus(e.Status) => new StorageFailure(e.Status, e.ErrorCode),
        // The SDK's retry policy collects one exception per try it made, and retries only network faults and timeouts:
        // the last try's failure says it.
        AggregateException { InnerExceptions: [.., var last] } tries when tries.InnerExceptions.All(IsSpentTry) =>
            new StorageFailure(last is RequestFailedException e ? e.Status : 0, (last as RequestFailedException)?.ErrorCode),
        // A network timeout of the last try alone, after tries answered 429 or 503 (which the SDK retries as answers and
        // does not collect): thrown as it is, not in an AggregateException.
        OperationCanceledException => new StorageFailure(0, null),
        _ => null,
    };

    /// <summary>Whether <paramref name="status"/> is a passing one (<see cref="PassingStatus"/>), or no answer at all, which here passes too.</summary>
    private static bool IsTransientStatus(int status) => status == PassingStatus.NoAnswer || PassingStatus.Is(status);

    /// <summary>
    /// A try the SDK's retry policy gave up on: a network fault (an IOException, status 0), a timeout (a cancellation
    /// while the caller's token is not cancelled, <see cref="Of"/>), or a passing status.
    /// </summary>
    private static bool IsSpentTry(Exception error) => error is IOException or OperationCanceledException
        || (error is RequestFailedException e && IsTransientStatus(e.Status));
}

/// <summary>A passing storage failure, by its status (0: no answer) and the service's error code, never its message (which can quote a blob name).</summary>
public sealed record StorageFailure(int Status, string? ErrorCode);
