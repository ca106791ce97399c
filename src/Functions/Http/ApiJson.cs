using System.Text.Json;
using System.Text.Json.Serialization;

namespace Synomaly.Functions.Http;

/// <summary>
/// The JSON of the HTTP API's answers: ASP.NET Core's web defaults (camelCase) with enums by name. One definition for the
/// serializer the Functions app answers with and for the schemas its OpenAPI document describes.
/// </summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = Configure(new JsonSerializerOptions(JsonSerializerDefaults.Web));

    /// <summary>Applies the API's settings to <paramref name="options"/> (MVC's options, which start from the web defaults).</summary>
    public static JsonSerializerOptions Configure(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Converters.OfType<JsonStringEnumConverter>().Any())
        {
            options.Converters.Add(new JsonStringEnumConverter());
        }

        return options;
    }
}
