using Azure;

namespace Synomaly.Functions.Services.Erasure;

/// <summary>
/// A storage request of an erasure that failed for want of access, which no repetition mends until an operator does:
/// storage denied it (401 or 403: the app's identity lacks a role, or a firewall refuses the app), or the identity could
/// not get a token for it for a lasting reason (<see cref="TokenFailure"/> without a passing cause: no credential, a
/// refused one). Named by status and code, or by type, never by message: a storage message can quote the request, and a
/// credential's message carries endpoints and troubleshooting text.
/// </summary>
/// <param name="Denied">Storage's refusal; null where the identity got no token.</param>
/// <param name="ErrorType">The failure's type name.</param>
internal sealed record AccessFailure(RequestFailedException? Denied, string ErrorType)
{
    public static AccessFailure? Of(Exception error) => error switch
    {
        RequestFailedException { Status: 401 or 403 } denied => new AccessFailure(denied, denied.GetType().Name),
        // A passing one (the identity endpoint throttled, failed or out of reach) is no failure of access: repeating helps.
        _ when TokenFailure.Of(error) is { PassingCause: null } noToken => new AccessFailure(null, noToken.ErrorType),
        _ => null,
    };
}
