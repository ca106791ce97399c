namespace Synomaly.Functions.Services.Uploads;

/// <summary>
/// An upload URL could not be signed: storage refused the user delegation key that signs it (an outage, throttling, or
/// the app's identity lacks its role on the account), or the identity's token could not be obtained. No scan id was
/// handed out and nothing was written; the caller asks again later.
/// </summary>
public sealed class UploadUrlUnavailableException : Exception
{
    public UploadUrlUnavailableException(Exception innerException)
        : this(innerException, innerException is null ? "unknown" : ServiceErrorCause.Of(innerException))
    {
    }

    private UploadUrlUnavailableException(Exception innerException, string cause)
        : base($"No upload URL could be signed ({cause}).", innerException)
    {
        Cause = cause;
    }

    /// <summary>
    /// The error by type, status and code only (<see cref="ServiceErrorCause"/>): the message of a storage error can quote
    /// the request, which names the blob, and the answer must say nothing a portal's caller should not read.
    /// </summary>
    public string Cause { get; }
}
