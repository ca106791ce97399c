using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Synomaly.Contracts;

namespace Synomaly.Functions.Services.Jobs;

/// <summary>
/// The continuation tokens the API hands out for listings of job records (<c>GET /api/scans</c>,
/// <c>POST /api/scans/retry-failed</c>): the table's own token together with the query it is a place in (state and
/// since), in base64url, so that a portal passes it back verbatim in a query string or a JSON body (the table's token holds
/// spaces and '!'). The table would accept a place from another query and silently skip whatever lies before it there,
/// so a token is only taken back for the query it came from; the two APIs' tokens are interchangeable where their queries
/// are the same (Failed jobs since the same time).
/// </summary>
public static class JobListContinuation
{
    /// <summary>The answer to a token that does not decode, or that the table refuses (edited, stale, from another listing).</summary>
    public const string NotIssued = "The continuation token is not one this API returned for this listing.";

    private const char Separator = '\n';

    public static string? Encode(JobState? state, DateTimeOffset? since, string? token) =>
        token is null ? null : Base64Url.EncodeToString(Encoding.UTF8.GetBytes(Query(state, since) + Separator + token));

    /// <returns>The table's token; null for none.</returns>
    /// <exception cref="FormatException">The token is not one this API returned for this query.</exception>
    public static string? Decode(JobState? state, DateTimeOffset? since, string? continuation)
    {
        if (string.IsNullOrEmpty(continuation))
        {
            return null;
        }

        string text;
        try
        {
            text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(continuation));
        }
        catch (FormatException e)
        {
            throw new FormatException(NotIssued, e);
        }

        var split = text.IndexOf(Separator, StringComparison.Ordinal);
        if (split < 0 || !string.Equals(text[..split], Query(state, since), StringComparison.Ordinal) || split == text.Length - 1)
        {
            throw new FormatException(NotIssued);
        }

        return text[(split + 1)..];
    }

    private static string Query(JobState? state, DateTimeOffset? since) =>
        string.Create(CultureInfo.InvariantCulture, $"{state?.ToString() ?? "any"}|{since?.UtcTicks.ToString(CultureInfo.InvariantCulture) ?? "any"}");
}
