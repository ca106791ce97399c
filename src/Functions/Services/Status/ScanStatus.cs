using Synomaly.Contracts;

namespace Synomaly.Functions.Services.Status;

/// <summary>The status of one scan for one model version, as <c>GET /api/scans/{id}</c> returns it.</summary>
/// <param name="Results">Links to the result files: every fixed file (report, heatmap, maps) first, then overlays in slice order.</param>
/// <param name="ResultsOmitted">Result files left out of <paramref name="Results"/> by its cap (overlays of the last slices); 0 when all are listed.</param>
public sealed record ScanStatus(
    string ScanId,
    string ModelName,
    string ModelVersion,
    JobState State,
    int Attempts,
    JobOrigin Origin,
    ScanFormat DetectedFormat,
    ScanTimings Timings,
    ScanError? Error,
    IReadOnlyList<ResultLink> Results,
    int ResultsOmitted);

public sealed record ScanTimings(DateTimeOffset CreatedAt, DateTimeOffset? QueuedAt, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt);

public sealed record ScanError(string Code, string? Message);

/// <summary>A read-only SAS link to one result file (path relative to the job's result folder).</summary>
public sealed record ResultLink(string Name, Uri Url, DateTimeOffset ExpiresOn);

/// <summary>One row of <c>GET /api/scans</c>.</summary>
public sealed record ScanSummary(string ScanId, string ModelVersion, JobState State, JobOrigin Origin, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt, string? ErrorCode);

/// <summary>A page of <c>GET /api/scans</c>; pass <see cref="Continuation"/> back as <c>?continuation=</c>.</summary>
/// <param name="UnreadableCount">Job records of this page left out of <paramref name="Items"/> because this version cannot
/// read them (written by a newer version, or damaged): unsaid, a portal took the page for complete.</param>
/// <param name="UnreadableScanIds">The scans of those records, each once, in page order: the ids only, since any other
/// value of such a row (its source URI names the scan's file) is exactly what cannot be vouched for.</param>
public sealed record ScanSummaryPage(IReadOnlyList<ScanSummary> Items, string? Continuation, int UnreadableCount, IReadOnlyList<string> UnreadableScanIds);
