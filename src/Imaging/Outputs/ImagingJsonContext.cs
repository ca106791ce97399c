using System.Text.Json.Serialization;

namespace Synomaly.Imaging.Outputs;

/// <summary>Source-generated JSON for Imaging outputs: camelCase, enums as strings, indented for people reading reports.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ScanReport))]
public sealed partial class ImagingJsonContext : JsonSerializerContext;
