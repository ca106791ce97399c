using System.Net.Sockets;
using Azure;

namespace Synomaly.Storage;

/// <summary>
/// The network fault behind an exception, if any: what the worker retries as a network error, and what makes a failed
/// token request a passing one (<see cref="TransientIdentityFailure"/>).
/// </summary>
public static class NetworkFault
{
    /// <summary>
    /// The network fault behind <paramref name="error"/>, if any. Azure.Core reports a request that got no response as a
    /// RequestFailedException with status 0 wrapping the HttpRequestException, and a call whose own retries all failed as
    /// an AggregateException of those, so the cause is looked for along the inner exceptions. An HTTP or socket fault is
    /// one under any wrapper; a bare IOException only at the top or inside those two transport wrappers, since another
    /// layer's IOException (a file, a decoder) is no evidence of a network fault. A missing file or folder never is, and
    /// its message would name a path.
    /// </summary>
    public static Exception? CauseOf(Exception error) => CauseOf(error, streamFaultCounts: true);

    private static Exception? CauseOf(Exception error, bool streamFaultCounts) => error switch
    {
        FileNotFoundException or DirectoryNotFoundException => null,
        HttpRequestException or SocketException => error,
        IOException when streamFaultCounts => error,
        AggregateException aggregate => aggregate.InnerExceptions.Select(inner => CauseOf(inner, streamFaultCounts)).FirstOrDefault(cause => cause is not null),
        RequestFailedException { Status: 0, InnerException: { } inner } => CauseOf(inner, streamFaultCounts: true),
        { InnerException: { } inner } => CauseOf(inner, streamFaultCounts: false),
        _ => null,
    };
}
