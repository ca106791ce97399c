using Azure.Identity;
using Synomaly.Storage;

namespace Synomaly.Functions.Services.Erasure;

/// <summary>
/// A storage request of an erasure for which the app's identity could not get a token (Azure.Identity's
/// <see cref="AuthenticationFailedException"/>, CredentialUnavailableException included), and whether the reason passes
/// (<see cref="TransientIdentityFailure"/>, the worker's rule too): a passing one is repeated after a pause, a lasting one
/// is an <see cref="AccessFailure"/> that only an operator mends. Named by type and status, never by message, which
/// carries endpoints and troubleshooting text.
/// </summary>
/// <param name="ErrorType">The failure's type name.</param>
/// <param name="PassingCause">Why the token could not be had, where the reason passes; null where it lasts.</param>
internal sealed record TokenFailure(string ErrorType, string? PassingCause)
{
    public static TokenFailure? Of(Exception error) => error switch
    {
        AuthenticationFailedException noToken => Of(noToken),
        // The SDK's retry policy throws a token failure (thrown inside its pipeline, unlike storage's answers, which a
        // client throws after it) together with the network faults of the tries before it.
        AggregateException { InnerExceptions: [.., AuthenticationFailedException last] } => Of(last),
        _ => null,
    };

    private static TokenFailure Of(AuthenticationFailedException noToken) => new(noToken.GetType().Name, TransientIdentityFailure.CauseOf(noToken));
}
