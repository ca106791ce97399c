using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;

namespace Synomaly.Functions.Http;

/// <summary>
/// Reads the small JSON bodies of the API. No body at all is no request object (every field optional); a body that is
/// not JSON, is sent as another content type, has a field the request does not know, or is larger than any request of
/// this API is a named 400, never a 500;
/// the detail names the field that is wrong where the reader got that far. A UTF-8 byte order mark is skipped.
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

        var json = buffer.GetBuffer().AsSpan(0, (int)buffer.Length);
        if (json.StartsWith(Utf8ByteOrderMark))
        {
            // Editors and some HTTP tools on Windows write one; JSON allows a reader to ignore it, and the span reader does not.
            json = json[Utf8ByteOrderMark.Length..];
        }

        try
        {
            return (JsonSerializer.Deserialize<T>(json, Strict), null);
        }
        catch (JsonException e)
        {
            return (null, expected + Offending(e.Path) + ".");
        }
    }

    /// <summary>
    /// The web defaults (camelCase, names matched in any letter case), refusing fields the request type does not have: read
    /// as absent, a misspelt one would quietly take its default, and the defaults are the costly choices (a "dry_run" for
    /// dryRun would start a real run over the whole archive).
    /// </summary>
    private static readonly JsonSerializerOptions Strict = new(JsonSerializerOptions.Web) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    private static ReadOnlySpan<byte> Utf8ByteOrderMark => [0xEF, 0xBB, 0xBF];

    /// <summary>
    /// Names the field the reader failed at (its JSON path without the root's <c>$.</c>, for example <c>errorCodes[1]</c>);
    /// nothing when it failed at the root (not an object at all). Never the value: it may be a file name.
    /// </summary>
    private static string Offending(string? path) =>
        path is { Length: > 2 } && path.StartsWith("$.", StringComparison.Ordinal) ? $"; '{path[2..]}' is not valid" : "";
}
