using Azure;
using Synomaly.Contracts;

namespace Synomaly.Storage.Jobs;

/// <summary>
/// The status of one scan for one model version (Table <c>jobs</c>: PartitionKey scanId, RowKey modelVersion).
/// Holds no file names and no patient data: the source blob is named by its URI only inside the record, never logged.
/// </summary>
public sealed record JobRecord
{
    public required string ScanId { get; init; }

    public required string ModelVersion { get; init; }

    public string ModelName { get; init; } = "";

    public JobState State { get; init; } = JobState.Queued;

    /// <summary>How many times a worker has started this job (redeliveries included).</summary>
    public int Attempts { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the ScanJob message was published; null while the job is accepted but not yet published.</summary>
    public DateTimeOffset? QueuedAt { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Stable machine-readable reason of a Failed job (an intake rejection code or a worker error code).</summary>
    public string? ErrorCode { get; init; }

    /// <summary>The reason in words; never contains file names or patient data.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>results/{scanId}/{modelVersion}/ once the worker has written results.</summary>
    public string? ResultPrefix { get; init; }

    public JobOrigin Origin { get; init; } = JobOrigin.Upload;

    public ScanFormat DetectedFormat { get; init; } = ScanFormat.Unknown;

    public Uri? SourceBlobUri { get; init; }

    /// <summary>The ETag of the source blob version this job processes.</summary>
    public string? SourceETag { get; init; }

    /// <summary>The deterministic ScanJob message id (scanId:etag:modelVersion).</summary>
    public string? MessageId { get; init; }

    public string? CorrelationId { get; init; }

    /// <summary>The bulk reprocessing run that created or requeued the job, if any.</summary>
    public string? RunId { get; init; }

    /// <summary>The table entity's ETag: every write is conditional on it. Default for a record not yet stored.</summary>
    public ETag ETag { get; init; }

    /// <summary>
    /// Whether this record already stands for work on the given blob version: published or further along for the same ETag.
    /// A duplicate blob event (or a repeated bulk run) for such a record must not publish again.
    /// </summary>
    public bool CoversSourceVersion(string sourceETag) =>
        string.Equals(NormalizeETag(SourceETag), NormalizeETag(sourceETag), StringComparison.Ordinal)
        && State switch
        {
            JobState.Queued => QueuedAt is not null,
            JobState.Processing or JobState.Succeeded => true,
            _ => false,
        };

    /// <summary>Blob ETags arrive quoted from some APIs and bare from others; compare them without quotes.</summary>
    public static string NormalizeETag(string? etag) => (etag ?? "").Trim('"');
}
