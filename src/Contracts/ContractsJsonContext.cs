using System.Text.Json.Serialization;

namespace Synomaly.Contracts;

/// <summary>
/// Source-generated JSON for the contracts: no reflection, camelCase, enums as strings. Nullable annotations are
/// respected: an explicit <c>null</c> for a member that is not nullable (every required string) is a
/// <see cref="System.Text.Json.JsonException"/>, so a message cannot pass as valid with a member that the worker would
/// dereference later (a NullReferenceException outside the invalid-message path is never dead-lettered).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    UseStringEnumConverter = true,
    RespectNullableAnnotations = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ScanJob))]
public sealed partial class ContractsJsonContext : JsonSerializerContext;
