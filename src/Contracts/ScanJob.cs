namespace Synomaly.Contracts;

/// <summary>
/// The queue message that asks the GPU worker to process one scan. It is a claim check: it names the blob and its ETag,
/// never carries pixels, and never carries the uploaded file name (file names from portals can hold patient data). An
/// archive scan's blob URI is its owner's path, though, and dead letters keep whole messages: docs/DEPLOY.md, "Reviewing
/// dead-lettered ScanJobs".
/// </summary>
public sealed record ScanJob
{
    /// <summary>The message schema version this code writes; readers reject versions they do not know.</summary>
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>Opaque scan identifier (no patient data); the partition of results and job records.</summary>
    public required string ScanId { get; init; }

    /// <summary>The source blob (scans/{scanId}/... or archive/...).</summary>
    public required Uri SourceBlobUri { get; init; }

    /// <summary>The ETag of the source blob when the job was created; the worker reads exactly this version.</summary>
    public required string SourceETag { get; init; }

    /// <summary>
    /// The source blob's Content-MD5 (base64) when the storage service holds one (it computes it for single-request
    /// uploads): tells a re-upload of the same bytes, which needs no new run, from new content under the same scan id.
    /// Not written when null; readers that predate it ignore it.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? SourceContentMd5 { get; init; }

    public ScanFormat DetectedFormat { get; init; } = ScanFormat.Unknown;

    public ModalityHint Modality { get; init; } = ModalityHint.Auto;

    public required string ModelName { get; init; }

    public required string ModelVersion { get; init; }

    /// <summary>Inference profile name from the model card (for example "default" or "brain-mri").</summary>
    public string InferenceProfile { get; init; } = "default";

    public JobOrigin Origin { get; init; } = JobOrigin.Upload;

    public required string CorrelationId { get; init; }

    public required DateTimeOffset SubmittedAt { get; init; }

    /// <summary>
    /// 0 for a job as intake or a reprocessing run submits it; an explicit retry of a Failed job sets the retry's time
    /// (Unix milliseconds), so that its message id differs from the failed attempt's, which Service Bus duplicate
    /// detection would otherwise drop within its window. Not written when 0: older readers see the same message as before.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)]
    public long Retry { get; init; }

    /// <summary>
    /// The deterministic message id used for duplicate detection: the same blob version and model version always give the
    /// same id, so duplicate blob events and repeated bulk runs do not create duplicate work (an explicit retry adds
    /// <c>:r{Retry}</c>).
    /// </summary>
    public string MessageId => CreateMessageId(ScanId, SourceETag, ModelVersion) + (Retry == 0 ? "" : $"{RetrySuffix}{Retry}");

    /// <summary>Whether <paramref name="messageId"/> is a message for this job's blob version: its first or any retry.</summary>
    public bool IsMessageForSameSource(string? messageId)
    {
        var first = CreateMessageId(ScanId, SourceETag, ModelVersion);
        return messageId is not null && (messageId == first || messageId.StartsWith(first + RetrySuffix, StringComparison.Ordinal));
    }

    private const string RetrySuffix = ":r";

    public static string CreateMessageId(string scanId, string etag, string modelVersion) =>
        $"{scanId}:{etag.Trim('"')}:{modelVersion}";
}
