namespace Synomaly.Functions.Services.Bulk;

/// <summary>The body of <c>POST /api/reprocess</c>.</summary>
/// <param name="RetryErrorCodes">
/// Error codes whose Failed archive jobs the run resubmits (see <see cref="BulkRunRetry"/>); none by default, when a job
/// Failed for the listed blob version is skipped. Validated as <c>errorCodes</c> of <c>POST /api/scans/retry-failed</c>.
/// </param>
public sealed record BulkRunRequest(string? Prefix, string? ModelVersion, bool DryRun, IReadOnlyList<string>? RetryErrorCodes = null);

/// <summary>A request the API refuses, with the field it names.</summary>
public sealed class InvalidBulkRunRequestException(string message) : Exception(message);
