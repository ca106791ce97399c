using System.Text.Json.Serialization;

namespace Synomaly.Contracts;

/// <summary>Source-generated JSON for the contracts: no reflection, camelCase, enums as strings.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ScanJob))]
public sealed partial class ContractsJsonContext : JsonSerializerContext;
