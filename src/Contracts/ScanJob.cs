namespace Synomaly.Contracts;

/// <summary>
/// The queue message that asks the GPU worker to process one scan. It is a claim check: it names the blob version (its
/// ETag), never carries pixels, and never carries a file name that may name a patient: not the uploaded file's name, and,
/// from schema version 2 on, not an archive scan's path either (its owner's file name). Dead letters keep whole messages
/// and never expire, so <see cref="ForQueue"/> leaves out an archive job's <see cref="SourceBlobUri"/> and every job's
/// <see cref="SourceContentMd5"/> (which would confirm an erased file); the worker reads the source from the job record,
/// which the Functions app writes before it publishes. Readers still take schema 1 messages (always with the URI), which
/// may be in flight while a deployment rolls: docs/DEPLOY.md, "ScanJob schema versions and deployment order".
/// </summary>
public sealed record ScanJob
{
    /// <summary>
    /// The message schema version this code writes; readers reject versions they do not know. Version 2 made
    /// <see cref="SourceBlobUri"/> optional: workers that read only version 1 reject every version 2 message, so the
    /// worker is deployed before the Functions app.
    /// </summary>
    public const int CurrentSchemaVersion = 2;

    /// <summary>The oldest schema version readers still accept: messages queued before an upgrade are still processed.</summary>
    public const int OldestReadableSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>Opaque scan identifier (no patient data); the partition of results and job records.</summary>
    public required string ScanId { get; init; }

    /// <summary>
    /// The source blob when the message names it: an upload's opaque scans/{scanId}/... URI. Null in the message of an
    /// archive job (schema 2), whose archive/... path is read from the job record; always set in schema 1. The Functions
    /// app sets it on every job it submits, since the job record takes it from here.
    /// </summary>
    public Uri? SourceBlobUri { get; init; }

    /// <summary>The ETag of the source blob when the job was created; the worker reads exactly this version.</summary>
    public required string SourceETag { get; init; }

    /// <summary>
    /// The source blob's Content-MD5 (base64) when the storage service holds one (it computes it for single-request
    /// uploads): tells a re-upload of the same bytes, which needs no new run, from new content under the same scan id.
    /// The Functions app compares it against the job record, which keeps it; it is never published (<see cref="ForQueue"/>):
    /// a dead letter outlives an erasure, and a hash of the erased file would confirm which file it was. Not written when
    /// null; readers still accept it in messages queued before it was left out, and no reader uses it.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? SourceContentMd5 { get; init; }

    public ScanFormat DetectedFormat { get; init; } = ScanFormat.Unknown;

    public ModalityHint Modality { get; init; } = ModalityHint.Auto;

    public required string ModelName { get; init; }

    public required string ModelVersion { get; init; }

    /// <summary>
    /// Inference profile name from the model card (for example "brain-mri"), or <see cref="InferenceProfileNames.Default"/>
    /// for the card's default profile.
    /// </summary>
    public string InferenceProfile { get; init; } = InferenceProfileNames.Default;

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

    /// <summary>
    /// The <see cref="Retry"/> that gives <paramref name="messageId"/> when it is a retry's message for this job's blob
    /// version (<c>this with { Retry = n }</c> has exactly that id); null for the first message and for any other id.
    /// </summary>
    public long? RetryOf(string? messageId)
    {
        var prefix = CreateMessageId(ScanId, SourceETag, ModelVersion) + RetrySuffix;
        return messageId is not null
            && messageId.StartsWith(prefix, StringComparison.Ordinal)
            && long.TryParse(messageId.AsSpan(prefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var retry)
            && retry > 0
            && (this with { Retry = retry }).MessageId == messageId
                ? retry
                : null;
    }

    private const string RetrySuffix = ":r";

    /// <summary>
    /// The job as its message is published, without what would identify the file in the dead-letter queue, which neither
    /// an erasure nor the archive owner's deletion reaches: an archive job's source path (the owner's file name) and any
    /// job's content hash. The worker reads neither from the message. The message id depends on neither, so duplicate
    /// detection is unchanged.
    /// </summary>
    public ScanJob ForQueue() => this with
    {
        SourceBlobUri = Origin == JobOrigin.Bulk ? null : SourceBlobUri,
        SourceContentMd5 = null,
    };

    /// <summary>
    /// <c>{scanId}:{etag}:{modelVersion}</c>, or, where that would pass <see cref="MaxPlainMessageIdLength"/> characters,
    /// <c>{scanId}:h{digest}</c> with the first 32 hex digits of the plain id's SHA-256. Service Bus refuses message ids over
    /// 128 characters, and a 64-character scan id (what intake accepts) with a 64-character model version and a retry's
    /// suffix would pass that; the digest keeps the id deterministic and the scan id in front (a scan's dead letters are
    /// selected by it, DEPLOY.md). Ids that fit are unchanged, so messages already queued keep their ids.
    /// </summary>
    public static string CreateMessageId(string scanId, string etag, string modelVersion)
    {
        var plain = $"{scanId}:{etag.Trim('"')}:{modelVersion}";
        if (plain.Length <= MaxPlainMessageIdLength)
        {
            return plain;
        }

        var digest = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(plain));
        return $"{scanId}:h{Convert.ToHexStringLower(digest)[..32]}";
    }

    /// <summary>
    /// The longest plain message id: with a retry's <c>:r</c> and up to 19 digits it stays within Service Bus's 128, and a
    /// digest id (a 64-character scan id, ':h' and 32 digits: 98) does too.
    /// </summary>
    public const int MaxPlainMessageIdLength = 107;
}
