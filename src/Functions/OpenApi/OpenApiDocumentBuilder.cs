using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Mvc;
using Synomaly.Functions.Http;
using Synomaly.Functions.Security;

namespace Synomaly.Functions.OpenApi;

/// <summary>
/// Writes the OpenAPI 3.1 document of the HTTP API from <see cref="ApiCatalog"/>. The schemas are exported from the very
/// types the functions read and answer with, through the serializer settings they answer with (<see cref="ApiJson"/>);
/// a test validates every kind of answer each function gives against them.
/// </summary>
public static class OpenApiDocumentBuilder
{
    public const string ApiVersion = "1.0";

    private const string SecurityScheme = "functionKey";

    /// <summary>The Entra ID token App Service Authentication checks when the templates' apiAuthClientId is set.</summary>
    private const string BearerScheme = "entraIdBearer";

    // Relaxed escaping keeps "application/problem+json" and apostrophes readable: the document is read by people and
    // served as application/json, never embedded in HTML.
    private static readonly Lazy<string> Cached = new(() => Build(ApiCatalog.Operations).ToJsonString(
        new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");

    /// <summary>The document of <see cref="ApiCatalog.Operations"/> as indented JSON (built once).</summary>
    public static string Json => Cached.Value;

    public static JsonObject Build(IReadOnlyList<ApiOperation> operations)
    {
        ArgumentNullException.ThrowIfNull(operations);
        var schemas = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
        var paths = new JsonObject();
        foreach (var route in operations.GroupBy(o => o.Route))
        {
            var item = new JsonObject();
            foreach (var operation in route)
            {
                item[operation.Method] = Operation(operation, schemas);
            }

            paths["/" + route.Key] = item;
        }

        return new JsonObject
        {
            ["openapi"] = "3.1.0",
            ["info"] = new JsonObject
            {
                ["title"] = "Synomaly.Cloud API",
                ["version"] = ApiVersion,
                ["description"] = "Upload scans for unsupervised anomaly detection, follow their jobs, fetch the results, and reprocess the archive. Errors are RFC 9457 problem details. See docs/API.md.",
            },
            ["servers"] = new JsonArray(new JsonObject { ["url"] = "/api" }),
            // Every route is Function level, so the key is always needed; the token comes on top of it where sign-in is on.
            ["security"] = new JsonArray(
                new JsonObject { [SecurityScheme] = new JsonArray() },
                new JsonObject { [SecurityScheme] = new JsonArray(), [BearerScheme] = new JsonArray() }),
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["securitySchemes"] = new JsonObject
                {
                    [SecurityScheme] = new JsonObject
                    {
                        ["type"] = "apiKey",
                        ["in"] = "header",
                        ["name"] = "x-functions-key",
                        ["description"] = "A function or host key of the Function App (or ?code=), always required: every route is Function level. Behind App Service Authentication a bearer token is needed as well (entraIdBearer).",
                    },
                    [BearerScheme] = new JsonObject
                    {
                        ["type"] = "http",
                        ["scheme"] = "bearer",
                        ["bearerFormat"] = "JWT",
                        ["description"] = "An Entra ID access token for the API's app registration, in addition to the function key, where App Service Authentication is on (the templates' apiAuthClientId). With Api__RequireAppRoles on, its app roles decide which operations it may call.",
                    },
                },
                ["schemas"] = new JsonObject([.. schemas.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)s.Value))]),
            },
        };
    }

    private static JsonObject Operation(ApiOperation operation, SortedDictionary<string, JsonNode> schemas)
    {
        var result = new JsonObject { ["operationId"] = operation.OperationId, ["summary"] = operation.Summary };
        if (operation.Access is { } access)
        {
            result["description"] = $"With Api__RequireAppRoles on, the caller needs the app role {string.Join(" or ", ApiRoles.Admitting(access))} (docs/API.md, Authentication).";
        }

        if (operation.Anonymous)
        {
            result["security"] = new JsonArray();
        }

        if (operation.Parameters.Count > 0)
        {
            result["parameters"] = new JsonArray([.. operation.Parameters.Select(p => (JsonNode)new JsonObject
            {
                ["name"] = p.Name,
                ["in"] = p.In == ApiParameterLocation.Path ? "path" : "query",
                ["required"] = p.Required,
                ["description"] = p.Description,
                ["schema"] = p.Schema.DeepClone(),
            })]);
        }

        if (operation.Body is { } body)
        {
            result["requestBody"] = new JsonObject
            {
                ["required"] = body.Required,
                ["description"] = body.Description,
                ["content"] = Content("application/json", SchemaReference(body.Type, request: true, schemas)),
            };
            RequireProperties(schemas[body.Type.Name], body);
        }

        var responses = new JsonObject();
        foreach (var response in operation.Responses)
        {
            var entry = new JsonObject { ["description"] = response.Description };
            var headers = new JsonObject();
            if (response.Location)
            {
                headers["Location"] = new JsonObject { ["description"] = "Where the resource can be read.", ["schema"] = new JsonObject { ["type"] = "string" } };
            }

            if (response.RetryAfter)
            {
                headers["Retry-After"] = new JsonObject { ["description"] = "Seconds to wait before asking again.", ["schema"] = new JsonObject { ["type"] = "integer", ["minimum"] = 1 } };
            }

            if (headers.Count > 0)
            {
                entry["headers"] = headers;
            }

            if (response.Body is { } type)
            {
                var mediaType = type == typeof(ProblemDetails) ? "application/problem+json" : "application/json";
                entry["content"] = Content(mediaType, SchemaReference(type, request: false, schemas));
            }

            responses[response.Status.ToString(System.Globalization.CultureInfo.InvariantCulture)] = entry;
        }

        result["responses"] = responses;
        return result;
    }

    private static JsonObject Content(string mediaType, JsonNode schema) =>
        new() { [mediaType] = new JsonObject { ["schema"] = schema } };

    /// <summary>A reference to the type's schema under components (exported on first use); a free-form object for JSON documents.</summary>
    private static JsonNode SchemaReference(Type type, bool request, SortedDictionary<string, JsonNode> schemas)
    {
        if (type == typeof(JsonObject))
        {
            return new JsonObject { ["type"] = "object" };
        }

        if (!schemas.ContainsKey(type.Name))
        {
            schemas[type.Name] = Export(type, request);
        }

        return new JsonObject { ["$ref"] = "#/components/schemas/" + type.Name };
    }

    /// <summary>
    /// The type's JSON schema. Answers always carry every property (null where there is no value), so a response schema
    /// requires them all; a request's properties are all optional to the reader (missing ones take their defaults), and
    /// it has no others (the reader refuses them).
    /// Numbers are described as numbers: the web defaults also read them from strings, but the API writes numbers.
    /// </summary>
    public static JsonNode Export(Type type, bool request)
    {
        ArgumentNullException.ThrowIfNull(type);
        var options = new JsonSerializerOptions(ApiJson.Options)
        {
            TypeInfoResolver = new DefaultJsonTypeInfoResolver(),
            NumberHandling = JsonNumberHandling.Strict,
            RespectNullableAnnotations = true,
            // JsonBody refuses a field a request does not have; the exporter then writes additionalProperties: false.
            UnmappedMemberHandling = request ? JsonUnmappedMemberHandling.Disallow : JsonUnmappedMemberHandling.Skip,
        };
        var schema = JsonSchemaExporter.GetJsonSchemaAsNode(options, type, new JsonSchemaExporterOptions { TreatNullObliviousAsNonNullable = true });
        if (request)
        {
            RemoveRequired(schema);
        }

        return schema;
    }

    private static void RequireProperties(JsonNode schema, ApiRequestBody body)
    {
        if (body.RequiredProperties.Count == 0)
        {
            return;
        }

        var properties = schema["properties"]?.AsObject();
        string? unknown = body.RequiredProperties.FirstOrDefault(name => properties is null || !properties.ContainsKey(name));
        if (unknown is not null)
        {
            throw new InvalidOperationException($"{body.Type.Name} has no property '{unknown}' to require.");
        }

        schema["required"] = new JsonArray([.. body.RequiredProperties.Select(name => (JsonNode)name)]);
    }

    /// <summary>The exporter lists constructor parameters as required; the API's reader does not require them.</summary>
    private static void RemoveRequired(JsonNode? node)
    {
        if (node is JsonObject obj)
        {
            obj.Remove("required");
            foreach (var (_, child) in obj)
            {
                RemoveRequired(child);
            }
        }
        else if (node is JsonArray array)
        {
            foreach (var child in array)
            {
                RemoveRequired(child);
            }
        }
    }
}
