namespace Synomaly.Storage;

/// <summary>
/// The one rule for which answers of an Azure service (storage, the identity endpoint that gives the app its tokens) pass,
/// so that the same request succeeds a moment later: a timeout (408), throttling (429, and the 503 ServerBusy by which
/// Azure Storage throttles), a failure inside the service or a gateway before it (500, 502, 503, 504). These are the
/// statuses Azure.Core's own retry policy retries. Every other status lasts until someone changes something: a 4xx is this
/// app's request or its access, 501 Not Implemented and 505 HTTP Version Not Supported refuse a request this app should
/// never make (repeating sends the same), and another 5xx is none these services answer, so no evidence that waiting helps.
/// Used by <see cref="TransientStorageFailure"/> (the Functions app's 503 storage-unavailable),
/// <see cref="TransientIdentityFailure"/> (a token withheld for a passing reason) and the worker's FailureClassifier
/// (StorageUnavailable): three spellings of it disagreed on 501, 505 and the rest of the 5xx.
/// </summary>
public static class PassingStatus
{
    /// <summary>
    /// The status Azure.Core gives a request that got no answer at all (a network fault, a timeout): not an answer, so not
    /// one of <see cref="Is"/>. Each caller decides on it with what else it knows: storage's rule counts it passing, the
    /// worker names the network fault inside (NetworkError), and the identity rule looks for that fault
    /// (<see cref="NetworkFault"/>), since an exception of MSAL's can carry status 0 without any request having failed.
    /// </summary>
    public const int NoAnswer = 0;

    /// <summary>Whether the service's answer <paramref name="status"/> passes (never <see cref="NoAnswer"/>).</summary>
    public static bool Is(int status) => status is 408 or 429 or 500 or 502 or 503 or 504;
}
