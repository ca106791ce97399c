using System.Globalization;
using Microsoft.AspNetCore.Http;
using Synomaly.Contracts;

namespace Synomaly.Functions.Http;

/// <summary>Parses the query parameters of the list API, naming the parameter that is wrong.</summary>
public static class QueryParameters
{
    public const int DefaultPageSize = 100;

    /// <summary>The largest page <c>GET /api/scans</c> serves (the OpenAPI document declares the same bound).</summary>
    public const int MaxPageSize = 1000;

    public static bool TryParseList(IQueryCollection query, out JobState? state, out DateTimeOffset? since, out int pageSize, out string? error)
    {
        ArgumentNullException.ThrowIfNull(query);
        state = null;
        since = null;
        pageSize = DefaultPageSize;
        error = null;
        if (query["status"].ToString() is { Length: > 0 } status)
        {
            // By exact name only: Enum.TryParse also reads numbers and comma lists as flags ("Processing,Succeeded" is 3,
            // Failed).
            string? name = Enum.GetNames<JobState>().FirstOrDefault(n => n.Equals(status, StringComparison.OrdinalIgnoreCase));
            if (name is null)
            {
                error = $"'status' must be one of {string.Join(", ", Enum.GetNames<JobState>())}.";
                return false;
            }

            state = Enum.Parse<JobState>(name);
        }

        if (query["since"].ToString() is { Length: > 0 } sinceText)
        {
            if (!DateTimeOffset.TryParse(sinceText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                error = "'since' must be an ISO 8601 date-time (for example 2026-11-24T00:00:00Z).";
                return false;
            }

            since = parsed;
        }

        if (query["pageSize"].ToString() is { Length: > 0 } sizeText)
        {
            if (!int.TryParse(sizeText, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > MaxPageSize)
            {
                error = $"'pageSize' must be a whole number from 1 to {MaxPageSize}.";
                return false;
            }
        }

        return true;
    }
}
