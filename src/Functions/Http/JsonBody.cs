using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Synomaly.Functions.Http;

/// <summary>
/// Reads the small JSON bodies of the API. No body at all is no request object (every field optional); a body that is
/// not JSON, is sent as another content type, or is larger than any request of this API is a named 400, never a 500.
/// </summary>
public static class JsonBody
{
    /// <summary>Far above the largest body this API takes (a list of error codes), far below anything costly.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <returns>The request object (null for an empty body), or the problem to answer.</returns>
    public static async Task<(T? Value, string? Error)> ReadAsync<T>(HttpRequest request, string example, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.ContentLength > MaxBytes)
        {
            return (null, $"The body is larger than {MaxBytes} bytes.");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > MaxBytes)
            {
                return (null, $"The body is larger than {MaxBytes} bytes.");
            }

            buffer.Write(chunk, 0, read);
        }

        if (buffer.Length == 0)
        {
            return (null, null);
        }

        string expected = $"The body must be JSON like {example}";
        if (!request.HasJsonContentType())
        {
            return (null, expected + ", sent with Content-Type: application/json.");
        }

        try
        {
            return (JsonSerializer.Deserialize<T>(buffer.GetBuffer().AsSpan(0, (int)buffer.Length), JsonSerializerOptions.Web), null);
        }
        catch (JsonException)
        {
            return (null, expected + ".");
        }
    }
}
