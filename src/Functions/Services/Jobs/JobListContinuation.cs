using System.Buffers.Text;
using System.Text;

namespace Synomaly.Functions.Services.Jobs;

/// <summary>
/// The continuation tokens the API hands out for listings of job records (<c>GET /api/scans</c>,
/// <c>POST /api/scans/retry-failed</c>): the table's own token in base64url, one format for both, so that a portal passes
/// it back verbatim in a query string or a JSON body (the table's token holds spaces and '!').
/// </summary>
public static class JobListContinuation
{
    /// <summary>The answer to a token that does not decode, or that the table refuses (edited, stale, from another listing).</summary>
    public const string NotIssued = "The continuation token is not one this API returned.";

    public static string? Encode(string? token) =>
        token is null ? null : Base64Url.EncodeToString(Encoding.UTF8.GetBytes(token));

    /// <returns>The table's token; null for none.</returns>
    /// <exception cref="FormatException">The token is not base64url, so not one this API returned.</exception>
    public static string? Decode(string? continuation)
    {
        if (string.IsNullOrEmpty(continuation))
        {
            return null;
        }

        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(continuation));
        }
        catch (FormatException e)
        {
            throw new FormatException(NotIssued, e);
        }
    }
}
