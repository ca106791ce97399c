using Azure;

namespace Synomaly.Functions.Services.Uploads;

/// <summary>
/// An upload URL could not be signed: storage refused the user delegation key that signs it (an outage, throttling, or
/// the app's identity lacks its role on the account), or the identity's token could not be obtained. No scan id was
/// handed out and nothing was written; the caller asks again later.
/// </summary>
public sealed class UploadUrlUnavailableException : Exception
{
    public UploadUrlUnavailableException(Exception innerException)
        : base($"No upload URL could be signed ({CauseOf(innerException)}).", innerException)
    {
        Cause = CauseOf(innerException);
    }

    /// <summary>
    /// The error by type, status and code only: the message of a storage error can quote the request, which names the
    /// blob, and the answer must say nothing a portal's caller should not read.
    /// </summary>
    public string Cause { get; }

    private static string CauseOf(Exception? e) => e switch
    {
        RequestFailedException { ErrorCode: { Length: > 0 } code } failed => $"{failed.GetType().Name} {failed.Status} {code}",
        RequestFailedException failed => $"{failed.GetType().Name} {failed.Status}",
        null => "unknown",
        _ => e.GetType().Name,
    };
}
