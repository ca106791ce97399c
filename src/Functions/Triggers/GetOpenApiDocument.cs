using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Synomaly.Functions.OpenApi;
using Synomaly.Functions.Security;

namespace Synomaly.Functions.Triggers;

/// <summary><c>GET /api/openapi.json</c>: the OpenAPI 3.1 document of this API, for portal developers and client generators.</summary>
public sealed class GetOpenApiDocument(ApiAuthorization authorization)
{
    [Function(nameof(GetOpenApiDocument))]
    public IActionResult Run([HttpTrigger(AuthorizationLevel.Function, "get", Route = "openapi.json")] HttpRequest request) =>
        authorization.Refusal(request, nameof(GetOpenApiDocument))
        ?? (IActionResult)new ContentResult { Content = OpenApiDocumentBuilder.Json, ContentType = "application/json", StatusCode = StatusCodes.Status200OK };
}
