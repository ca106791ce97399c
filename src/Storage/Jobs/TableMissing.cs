using System.Text.Json;
using Azure;
using Azure.Data.Tables.Models;

namespace Synomaly.Storage.Jobs;

/// <summary>
/// Whether a 404 of the Table service is for the table rather than an entity: the service answers 404 for both, and only
/// its error code (TableNotFound, not ResourceNotFound) tells them apart.
/// </summary>
public static class TableMissing
{
    private static readonly string Code = TableErrorCode.TableNotFound.ToString();

    public static bool Is(RequestFailedException e) =>
        e.Status == 404 && string.Equals(e.ErrorCode, Code, StringComparison.Ordinal);

    /// <summary>
    /// The same for an answer the SDK hands back without throwing: a point read "if exists" reads a missing table as a
    /// missing entity, and the record looked absent ("no job for this scan") where the deployment was at fault. The code
    /// is in the x-ms-error-code header, or else in the body's odata.error.
    /// </summary>
    public static bool Is(Response response)
    {
        ArgumentNullException.ThrowIfNull(response);
        if (response.Status != 404)
        {
            return false;
        }

        if (response.Headers.TryGetValue("x-ms-error-code", out var header))
        {
            return string.Equals(header, Code, StringComparison.Ordinal);
        }

        try
        {
            using var body = JsonDocument.Parse(response.Content.ToMemory());
            return body.RootElement.TryGetProperty("odata.error", out var error)
                && error.TryGetProperty("code", out var code)
                && string.Equals(code.GetString(), Code, StringComparison.Ordinal);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
