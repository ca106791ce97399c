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

    /// <summary>
    /// When the published message becomes visible to workers, if it was published for later (bulk runs throttle by
    /// scheduling); null = at once. A scheduled job is not waiting for a worker before then.
    /// </summary>
    public DateTimeOffset? ScheduledFor { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>
    /// The worker delivery that last moved the job to Processing (its claim: the delivery count, a value of its own and
    /// the broker's id of its message copy), so that another delivery can tell whose the started job is. Null on a record
    /// no worker has started since claims were recorded, since it was queued for another version or attempt, or since its
    /// scan was erased. Opaque: it names no file.
    /// </summary>
    public string? ClaimedBy { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Stable machine-readable reason of a Failed job (an intake rejection code or a worker error code).</summary>
    public string? ErrorCode { get; init; }

    /// <summary>The reason in words; never contains file names or patient data.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>The results folder (BlobLayout.ResultsPrefix) once the worker has written results.</summary>
    public string? ResultPrefix { get; init; }

    public JobOrigin Origin { get; init; } = JobOrigin.Upload;

    public ScanFormat DetectedFormat { get; init; } = ScanFormat.Unknown;

    public Uri? SourceBlobUri { get; init; }

    /// <summary>The ETag of the source blob version this job processes.</summary>
    public string? SourceETag { get; init; }

    /// <summary>That version's Content-MD5 (base64), when the storage service computed one (<see cref="ScanJob.SourceContentMd5"/>).</summary>
    public string? SourceContentMd5 { get; init; }

    /// <summary>The deterministic ScanJob message id (scanId:etag:modelVersion).</summary>
    public string? MessageId { get; init; }

    public string? CorrelationId { get; init; }

    /// <summary>The bulk reprocessing run that created or requeued the job, if any.</summary>
    public string? RunId { get; init; }

    /// <summary>When the stored record was last written (the table's own Timestamp); null for a record not yet stored. Read-only.</summary>
    public DateTimeOffset? LastModified { get; init; }

    /// <summary>The table entity's ETag: every write is conditional on it. Default for a record not yet stored.</summary>
    public ETag ETag { get; init; }

    /// <summary>
    /// Whether this record already stands for work on the given blob version: published or further along for the same ETag.
    /// A duplicate blob event (or a repeated bulk run) for such a record must not publish again.
    /// </summary>
    public bool CoversSourceVersion(string sourceETag) =>
        IsForSourceVersion(sourceETag)
        && State switch
        {
            JobState.Queued => IsPublished,
            JobState.Processing or JobState.Succeeded => true,
            _ => false,
        };

    /// <summary>
    /// Whether the job Succeeded for content with this Content-MD5 (base64), both known: a later upload of the same bytes,
    /// under a new blob version, is answered by these results as they are and is not run again.
    /// </summary>
    public bool SucceededForContent(string? contentMd5) =>
        State == JobState.Succeeded
        && !string.IsNullOrEmpty(SourceContentMd5)
        && string.Equals(SourceContentMd5, contentMd5, StringComparison.Ordinal);

    /// <summary>
    /// Whether the record's message is known to be out. QueuedAt says so once the publisher has confirmed it; a worker
    /// having started the job says so too, since only a delivered message starts one. The confirm can miss its write (a
    /// crash, or a worker that took the message before it), and a job the worker then sends back to Queued for a retry
    /// would otherwise look unpublished, and a duplicate event or a repeated bulk run would publish its message a second
    /// time. StartedAt is cleared whenever the record is queued for another version or attempt, so it speaks only for this
    /// message.
    /// </summary>
    public bool IsPublished => QueuedAt is not null || StartedAt is not null;

    /// <summary>
    /// The error code of a job that waited past its message's time to live without a worker finishing it (see the
    /// Functions app's JobExpirySweeper). Unlike a failure of the file itself, it is no verdict on this blob version: intake
    /// and reprocessing runs submit such a job again.
    /// </summary>
    public const string ExpiredErrorCode = "Expired";

    /// <summary>Failed only because it expired unprocessed: the blob version has no outcome yet and may be submitted again.</summary>
    public bool IsExpired => State == JobState.Failed && ErrorCode == ExpiredErrorCode;

    /// <summary>
    /// The error code of a job whose scan was deleted on request (DELETE /api/scans/{scanId}): its upload and results are
    /// gone, and the record stays as a tombstone that says when, so that nothing writes results for it again.
    /// </summary>
    public const string DeletedErrorCode = "Deleted";

    /// <summary>
    /// The message id a tombstone stands for: no ScanJob has it, so a worker still holding one of the scan's messages
    /// finds the record taken over (and writes no results, or removes what it wrote).
    /// </summary>
    public const string DeletedMessageId = "deleted";

    public bool IsDeleted => State == JobState.Failed && ErrorCode == DeletedErrorCode;

    /// <summary>
    /// <paramref name="record"/> as an erasure leaves it: Failed <c>Deleted</c> with the time, standing for no message, and
    /// without its results, source URI (an archive scan's URI names its owner's file), content hash (which would confirm
    /// which file was erased to anyone holding a copy) or worker claim (which names the message copy that ran it).
    /// </summary>
    public static JobRecord Tombstone(JobRecord record, DateTimeOffset deletedAt)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record with
        {
            State = JobState.Failed,
            ErrorCode = DeletedErrorCode,
            ErrorMessage = FormattableString.Invariant($"The scan was erased at {deletedAt:O}: its upload and results are gone. To process the file again, upload it as a new scan (POST /api/scans)."),
            MessageId = DeletedMessageId,
            ResultPrefix = null,
            SourceBlobUri = null,
            SourceContentMd5 = null,
            ClaimedBy = null,
            FinishedAt = deletedAt,
        };
    }

    /// <summary>The error code of a job whose source blob was gone when the worker came to read it.</summary>
    public const string SourceMissingErrorCode = "SourceMissing";

    /// <summary>
    /// A tombstone, or a job that found its source gone: neither keeps its source's URI (an archive scan's names the
    /// owner's file), and neither stands for a source that still exists.
    /// </summary>
    public bool HasLostSource => IsDeleted || (State == JobState.Failed && ErrorCode == SourceMissingErrorCode);

    /// <summary>
    /// Whether this record is a failure verdict on the given blob version: Failed for that very version, and not merely
    /// expired. Intake and the upload reconciliation leave such a version alone until it is uploaded again or retried.
    /// </summary>
    public bool FailedForVersion(string? sourceETag) =>
        State == JobState.Failed && !IsExpired && IsForSourceVersion(sourceETag);

    /// <summary>Whether the record was written for the given blob version (in whatever state).</summary>
    public bool IsForSourceVersion(string? sourceETag) =>
        string.Equals(NormalizeETag(SourceETag), NormalizeETag(sourceETag), StringComparison.Ordinal);

    /// <summary>Blob ETags arrive quoted from some APIs and bare from others; compare them without quotes.</summary>
    public static string NormalizeETag(string? etag) => (etag ?? "").Trim('"');
}
