using Azure;

namespace Synomaly.Storage;

/// <summary>
/// Whether a storage call failed for a passing reason, so that the same request succeeds once storage is back: the
/// service throttled it (429, and the 503 ServerBusy by which Azure Storage throttles), was busy or failed inside (500,
/// 502, 503, 504), timed out (408), or gave no answer at all, which the Azure SDK reports, once its own retries are spent,
/// as status 0 (a network fault) or as an AggregateException of one network fault or timeout per try. The API answers
/// these with a 503 and Retry-After. Everything else stays an exception, for the host to answer 500 and log loudly: 400,
/// 404, 409 and 412 are bugs of this app (the typed errors already cover a missing table), 401 and 403 a missing role or a
/// firewall that no retry mends, and 501 or 505 a request this app should never make.
/// </summary>
public static class TransientStorageFailure
{
    /// <summary>The storage failure behind <paramref name="error"/> if it passes; null otherwise.</summary>
    public static StorageFailure? Of(Exception error) => error switch
    {
        RequestFailedException e when IsTransientStatus(e.Status) => new StorageFailure(e.Status, e.ErrorCode),
        // The SDK's retry policy collects one exception per try it made, and retries only network faults and timeouts:
        // the last try's failure says it.
        AggregateException { InnerExceptions: [.., var last] } tries when tries.InnerExceptions.All(IsSpentTry) =>
            new StorageFailure(last is RequestFailedException e ? e.Status : 0, (last as RequestFailedException)?.ErrorCode),
        _ => null,
    };

    /// <summary>Whether <paramref name="status"/> is a passing one; 0 is no answer (a network fault).</summary>
    private static bool IsTransientStatus(int status) => status is 0 or 408 or 429 or 500 or 502 or 503 or 504;

    /// <summary>A try the SDK's retry policy gave up on: a network fault (an IOException, status 0), a timeout, or a passing status.</summary>
    private static bool IsSpentTry(Exception error) => error is IOException or OperationCanceledException
        || (error is RequestFailedException e && IsTransientStatus(e.Status));
}

/// <summary>A passing storage failure, by its status (0: no answer) and the service's error code, never its message (which can quote a blob name).</summary>
public sealed record StorageFailure(int Status, string? ErrorCode);
