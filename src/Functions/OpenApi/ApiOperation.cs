using System.Text.Json.Nodes;
using Synomaly.Functions.Security;

namespace Synomaly.Functions.OpenApi;

/// <summary>
/// One HTTP function as the OpenAPI document describes it. <see cref="OperationId"/> is the function's name, so a test
/// can hold the catalogue against the functions the build generated (route, method, authorization level).
/// </summary>
public sealed record ApiOperation(string OperationId, string Method, string Route, string Summary)
{
    /// <summary>No function key (only the health probe).</summary>
    public bool Anonymous { get; init; }

    /// <summary>
    /// Who the operation is for: the app roles it needs with <c>Api__RequireAppRoles</c> on (null only when anonymous).
    /// Stated only here: both the document and the runtime check (<see cref="ApiAuthorization"/>) read it.
    /// </summary>
    public ApiAccess? Access { get; init; }

    /// <summary>
    /// Who the operation is for when its scan id is an archive scan's (<see cref="Contracts.BlobLayout.IsArchiveScanId"/>),
    /// where that is stricter than <see cref="Access"/>; null: the same.
    /// </summary>
    public ApiAccess? ArchiveScanAccess { get; init; }

    public IReadOnlyList<ApiParameter> Parameters { get; init; } = [];

    public ApiRequestBody? Body { get; init; }

    public required IReadOnlyList<ApiResponse> Responses { get; init; }
}

public enum ApiParameterLocation
{
    Path,
    Query,
}

/// <summary>A path or query parameter with its JSON schema.</summary>
public sealed record ApiParameter(string Name, ApiParameterLocation In, string Description, JsonObject Schema)
{
    public bool Required { get; init; } = In == ApiParameterLocation.Path;
}

/// <summary>A JSON request body of <paramref name="Type"/>.</summary>
public sealed record ApiRequestBody(Type Type, bool Required, string Description)
{
    /// <summary>
    /// JSON names of the properties the handler refuses to go without (answering 400). Request properties are optional to
    /// the reader, so the schema requires only these.
    /// </summary>
    public IReadOnlyList<string> RequiredProperties { get; init; } = [];
}

/// <summary>
/// One answer: a JSON body of <paramref name="Body"/> (problem details are served as <c>application/problem+json</c>),
/// or none; <paramref name="Location"/> when the answer carries a Location header, <paramref name="RetryAfter"/> a
/// Retry-After header (seconds).
/// </summary>
public sealed record ApiResponse(int Status, string Description, Type? Body, bool Location = false, bool RetryAfter = false);
