namespace Synomaly.Functions.Services.Bulk;

/// <summary>The body of <c>POST /api/reprocess</c>.</summary>
public sealed record BulkRunRequest(string? Prefix, string? ModelVersion, bool DryRun);

/// <summary>A request the API refuses, with the field it names.</summary>
public sealed class InvalidBulkRunRequestException(string message) : Exception(message);
