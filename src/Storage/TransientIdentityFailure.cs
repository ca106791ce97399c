using Azure;
using Azure.Identity;
using Microsoft.Identity.Client;

namespace Synomaly.Storage;

/// <summary>
/// Whether the app's identity failed to get a token for a passing reason, so that the same request gets one once its
/// endpoint is back: the identity endpoint throttled (429), failed (500, 502, 503, 504) or timed out (408)
/// (<see cref="PassingStatus"/>, storage's rule too; a 501 or 505 lasts) or was being updated (404, 410: its own passing
/// answers, see Passes), as Azure.Core
/// (RequestFailedException) or MSAL (MsalServiceException, which Azure.Identity's managed identity uses) reports it, or it
/// could not be reached (<see cref="NetworkFault"/>). Every other token failure lasts until an operator mends the identity:
/// a refusal (400: no such identity), and a credential that is not available at all
/// (<see cref="CredentialUnavailableException"/>: no managed identity assigned, a wrong client id; even with a network
/// fault inside, no identity endpoint means no identity to ask for). One rule for the worker (which retries these as
/// IdentityUnavailable) and the Functions app (whose erasure answers them 409 with Retry-After, the lasting ones 500).
/// </summary>
public static class TransientIdentityFailure
{
    /// <summary>
    /// Why the token request failed, where the reason passes; null where it lasts. Named by status or type only: the
    /// messages carry troubleshooting text and endpoints.
    /// </summary>
    public static string? CauseOf(AuthenticationFailedException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        if (error is CredentialUnavailableException)
        {
            return null;
        }

        for (var inner = error.InnerException; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case RequestFailedException e when Passes(e.Status):
                    return $"the identity endpoint answered {e.Status}";
                case MsalServiceException e when Passes(e.StatusCode):
                    return $"the identity endpoint answered {e.StatusCode}";
            }
        }

        return NetworkFault.CauseOf(error) is { } cause ? cause.GetType().Name : null;
    }

    /// <summary>
    /// Storage's passing statuses, and two the identity endpoint alone answers while it is being updated: Microsoft's
    /// "How to use managed identities for Azure resources on an Azure VM to acquire an access token" (Error handling, Retry
    /// guidance) says to retry a 404 (the endpoint is updating; an identity just assigned is not there yet) with backoff,
    /// and that after a 410 it is back within 70 seconds. Azure.Identity retries both itself, so one that reaches here
    /// outlasted its retries, not the update. Not in <see cref="PassingStatus"/>: from storage, a 404 is a blob or table
    /// that is not there, which waiting does not mend.
    /// </summary>
    private static bool Passes(int status) => PassingStatus.Is(status) || status is 404 or 410;
}
