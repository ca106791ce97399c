using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Synomaly.Contracts;
using Synomaly.Functions.Options;
using Synomaly.Functions.Services.Erasure;
using Synomaly.Functions.Services.Jobs;
using Synomaly.Imaging.Formats;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Services.Intake;

/// <summary>
/// Validates one uploaded blob from its properties and first bytes (never downloading the scan), then creates or updates
/// its job record and publishes the ScanJob. Used by both blob-trigger functions and by the local trigger host.
/// </summary>
public sealed partial class ScanIntakeService(JobSubmitter submitter, JobStore jobs, ScanErasureService erasure, IOptions<IntakeOptions> options, TimeProvider clock, ILogger<ScanIntakeService> logger)
{
    /// <summary>The blob metadata key a portal may set on upload to hint the modality (x-ms-meta-modality).</summary>
    public const string ModalityMetadataKey = "modality";

    private readonly IntakeOptions settings = options.Value;

    private readonly ScanAdmissionRule admission = new(options.Value.MaxScanBytes);

    /// <summary>
    /// Takes one upload in. <paramref name="retryFailed"/> (an explicit retry, <c>POST /api/scans/{scanId}/retry</c>) also
    /// resubmits a job that already failed for this blob version.
    /// </summary>
    public async Task<IntakeResult> ProcessAsync(BlobClient blob, CancellationToken cancellationToken, bool retryFailed = false)
    {
        ArgumentNullException.ThrowIfNull(blob);
        try
        {
            return await TakeInAsync(blob, retryFailed, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidJobRecordException e)
        {
            // Thrown, it failed every attempt of the blob event the same way and the message ended in the poison queue with
            // no reason given. Whether the scan was erased cannot be told without the record, so nothing is taken in or
            // written: the upload and the record stay for whoever repairs it, and the reconciliation comes back to it.
            LogUnreadableRecord(e.ScanId, e.ModelVersion, e.Field);
            return new IntakeResult(IntakeOutcome.Rejected, e.ScanId, null, IntakeRejectionCode.UnreadableJobRecord);
        }
    }

    /// <summary>
    /// Takes in the upload a blob event names (both blob triggers and the local host). Without the job table nothing can
    /// be taken in, and thrown, the event was retried until it was poisoned, with no log naming the table. Completed
    /// instead: the upload stays in scans/, and the upload reconciliation takes it in once the table is restored (within
    /// <c>Intake__ReconcileLookbackHours</c> of the upload).
    /// </summary>
    public async Task ProcessEventAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            await ProcessAsync(blob, cancellationToken).ConfigureAwait(false);
        }
        catch (JobTableMissingException e)
        {
            LogJobTableMissing(e.TableName, settings.ReconcileLookbackHours);
        }
    }

    private async Task<IntakeResult> TakeInAsync(BlobClient blob, bool retryFailed, CancellationToken cancellationToken)
    {
        var path = UploadBlobName.Parse(blob.Name);
        if (!path.IsValidScanId)
        {
            // No record can be keyed by an invalid id, nor filed for a name whose URL addresses another blob; and the name
            // itself may hold patient data: log nothing of it.
            LogInvalidScanId();
            return new IntakeResult(IntakeOutcome.Rejected, null, null, IntakeRejectionCode.InvalidScanId);
        }

        var scanId = path.ScanId!;
        // The scan's records, read once: for the erasure check here, and for the decision on the job's record below.
        var records = await jobs.ListForScanAsync(scanId, cancellationToken).ConfigureAwait(false);
        if (records.Any(r => r.IsDeleted))
        {
            // Only an upload URL issued before the erasure can write here (each upload gets a new id): processing the
            // file would recreate derived data of a scan its owner asked to erase.
            return await RefuseAfterErasureAsync(scanId, cancellationToken).ConfigureAwait(false);
        }

        if (!path.IsWellFormed)
        {
            // Not the scan's upload ({scanId}/a/b: the upload URL writes its one name, so only a writer with container
            // access puts a file there). Recorded as the scan's failure, it replaced the real upload's job (a Succeeded
            // one lost its results), and the reconciliation then took the real upload in again, flipping the two each
            // sweep. It is ignored, nothing read or recorded, as names under no scan are; the worker never reads it.
            LogStrayIgnored(scanId);
            return new IntakeResult(IntakeOutcome.Rejected, scanId, null, IntakeRejectionCode.InvalidPath);
        }

        BlobProperties properties;
        try
        {
            properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            LogGone(scanId);
            return new IntakeResult(IntakeOutcome.Superseded, scanId, null);
        }
        catch (RequestFailedException e) when (IsEncryptedWithCustomerProvidedKey(e))
        {
            // Written with a key of its holder's: even its properties cannot be read without it.
            return await RejectEncryptedUploadAsync(blob, scanId, retryFailed, records, cancellationToken).ConfigureAwait(false);
        }

        var etag = properties.ETag.ToString();
        // The admission rule bulk reprocessing applies too: an append or page blob is refused as such, and deleted.
        var modality = ModalityFrom(properties.Metadata);
        var rejection = ScanAdmissionRule.CheckStorage(properties.BlobType, TierOf(properties))
            ?? admission.CheckSize(properties.ContentLength)
            ?? (modality is null ? IntakeRejectionCode.UnknownModality : null);

        var format = ScanFormat.Unknown;
        if (rejection is null)
        {
            var (head, unreadable) = await ReadHeadAsync(blob, properties.ETag, cancellationToken).ConfigureAwait(false);
            if (head is null && unreadable is null)
            {
                LogGone(scanId);
                return new IntakeResult(IntakeOutcome.Superseded, scanId, null);
            }

            format = head is null ? ScanFormat.Unknown : FormatSniffer.Sniff(head);
            rejection = unreadable ?? (format == ScanFormat.Unknown ? IntakeRejectionCode.UnknownFormat : null);
        }

        var job = NewJob(blob, scanId, etag, ContentMd5.Of(properties.ContentHash), format, modality ?? ModalityHint.Auto, retryFailed);
        if (rejection is { } code)
        {
            return await RejectAsync(blob, job, code, Describe(code, properties.BlobType, properties.ContentLength), records, cancellationToken).ConfigureAwait(false);
        }

        var reservation = await submitter.SubmitAsync(job, runId: null, scheduledEnqueueTime: null, cancellationToken, retryFailed, records).ConfigureAwait(false);
        if (!reservation.MustPublish)
        {
            LogSkipped(scanId, reservation.Skipped!.Value);
            return new IntakeResult(IntakeOutcome.Skipped, scanId, reservation.Record, Skipped: reservation.Skipped);
        }

        LogQueued(scanId, format, job.ModelVersion);
        return new IntakeResult(IntakeOutcome.Queued, scanId, reservation.Record);
    }

    /// <summary>The ScanJob for the blob version intake judged, as published or as its rejection records it.</summary>
    private ScanJob NewJob(BlobClient blob, string scanId, string etag, string? contentMd5, ScanFormat format, ModalityHint modality, bool retryFailed) => new()
    {
        ScanId = scanId,
        SourceBlobUri = blob.Uri,
        SourceETag = etag,
        SourceContentMd5 = contentMd5,
        DetectedFormat = format,
        Modality = modality,
        ModelName = settings.ModelName,
        ModelVersion = settings.ModelVersion,
        Origin = JobOrigin.Upload,
        CorrelationId = scanId,
        SubmittedAt = clock.GetUtcNow(),
        Retry = retryFailed ? clock.GetUtcNow().ToUnixTimeMilliseconds() : 0,
    };

    /// <summary>
    /// Records the rejection of the version <paramref name="job"/> names (Failed with its code), and deletes that version
    /// where the file is never to be kept: <see cref="RemoveRefusedUploadAsync"/>.
    /// </summary>
    private async Task<IntakeResult> RejectAsync(BlobClient blob, ScanJob job, IntakeRejectionCode code, string reason, IReadOnlyList<JobRecord> records, CancellationToken cancellationToken)
    {
        var failed = await submitter.RejectAsync(new JobRecord
        {
            ScanId = job.ScanId,
            ModelVersion = job.ModelVersion,
            ModelName = job.ModelName,
            State = JobState.Failed,
            ErrorCode = code.ToString(),
            ErrorMessage = reason,
            Origin = JobOrigin.Upload,
            DetectedFormat = job.DetectedFormat,
            SourceBlobUri = blob.Uri,
            SourceETag = job.SourceETag,
            MessageId = job.MessageId,
            CorrelationId = job.CorrelationId,
        }, cancellationToken, records).ConfigureAwait(false);
        if (failed is { IsDeleted: true })
        {
            // Erased while this file was being checked: as for a file sent after the erasure, remove it unprocessed.
            return await RefuseAfterErasureAsync(job.ScanId, cancellationToken).ConfigureAwait(false);
        }

        if (code is IntakeRejectionCode.UnsupportedBlobType or IntakeRejectionCode.EncryptedWithCustomerProvidedKey)
        {
            await RemoveRefusedUploadAsync(blob, job.ScanId, new ETag(job.SourceETag), code, cancellationToken).ConfigureAwait(false);
        }

        return new IntakeResult(IntakeOutcome.Rejected, job.ScanId, failed, code);
    }

    /// <summary>
    /// Rejects an upload written with a customer-provided key, whose properties were refused without it. Unanswered, the
    /// refusal failed intake on every look (the event's retries, each reconciliation sweep of the lookback) and no record
    /// was ever written: the scan's status stayed 404. The refusal names no ETag, so the version is read from the
    /// listing, which needs no key: the rejection is recorded for exactly that version (or the reconciliation would
    /// bring it back), and only that version is deleted. A version listed without a key was written since: it is
    /// readable, and its own event (or the reconciliation) brings it here.
    /// </summary>
    private async Task<IntakeResult> RejectEncryptedUploadAsync(BlobClient blob, string scanId, bool retryFailed, IReadOnlyList<JobRecord> records, CancellationToken cancellationToken)
    {
        var listed = await ListedPropertiesAsync(blob, cancellationToken).ConfigureAwait(false);
        if (listed is not { ETag: { } etag, CustomerProvidedKeySha256: not null })
        {
            LogGone(scanId);
            return new IntakeResult(IntakeOutcome.Superseded, scanId, null);
        }

        const IntakeRejectionCode code = IntakeRejectionCode.EncryptedWithCustomerProvidedKey;
        var job = NewJob(blob, scanId, etag.ToString(), ContentMd5.Of(listed.ContentHash), ScanFormat.Unknown, ModalityHint.Auto, retryFailed);
        return await RejectAsync(blob, job, code, Describe(code, listed.BlobType, listed.ContentLength), records, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The blob's properties as its container lists them (no read of the blob itself); null if it is gone.</summary>
    private static async Task<BlobItemProperties?> ListedPropertiesAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        var container = blob.GetParentBlobContainerClient();
        await foreach (var item in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix: blob.Name, cancellationToken).ConfigureAwait(false))
        {
            if (item.Name == blob.Name)
            {
                return item.Properties;
            }
        }

        return null;
    }

    private static bool IsEncryptedWithCustomerProvidedKey(RequestFailedException e) =>
        e.Status == 409 && e.ErrorCode == BlobErrorCode.BlobUsesCustomerSpecifiedEncryption;

    private async Task<IntakeResult> RefuseAfterErasureAsync(string scanId, CancellationToken cancellationToken)
    {
        await erasure.EraseAsync(scanId, cancellationToken, ErasureReason.UploadAfterErasure).ConfigureAwait(false);
        LogRefusedAfterErasure(scanId);
        return new IntakeResult(IntakeOutcome.Erased, scanId, null);
    }

    /// <summary>
    /// Deletes a refused upload that is never to be kept, once its rejection is recorded. An append or page blob is never
    /// processed, and no lifecycle rule can age out a page blob (rules take block and append blobs only): left in place it
    /// would outlive the upload retention. One written with a customer-provided key cannot be read by anyone here, not
    /// even to look at it (a delete needs no key). Only exactly the version judged is deleted (<c>If-Match</c> its ETag):
    /// one written since has its own event, or the upload reconciliation finds its version without an outcome and brings
    /// it here again.
    /// </summary>
    private async Task RemoveRefusedUploadAsync(BlobClient blob, string scanId, ETag version, IntakeRejectionCode code, CancellationToken cancellationToken)
    {
        try
        {
            // Snapshots too: the upload URL's holder may have taken some, and they would keep the blob from being deleted.
            await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, new BlobRequestConditions { IfMatch = version }, cancellationToken).ConfigureAwait(false);
            LogRefusedRemoved(scanId, code);
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            // Written since it was read, or leased by the upload URL's holder: left for the next look at it.
            LogRefusedKept(scanId, code, e.ErrorCode);
        }
    }

    /// <summary>
    /// The first bytes the sniffer needs, from exactly the version whose properties were read; neither bytes nor a reason
    /// if that version is gone, and the rejection if its content can never be read as it stands.
    /// </summary>
    private static async Task<(byte[]? Head, IntakeRejectionCode? Unreadable)> ReadHeadAsync(BlobClient blob, ETag etag, CancellationToken cancellationToken)
    {
        try
        {
            var response = await blob.DownloadContentAsync(new BlobDownloadOptions
            {
                Range = new HttpRange(0, FormatSniffer.BytesNeeded),
                Conditions = new BlobRequestConditions { IfMatch = etag },
            }, cancellationToken).ConfigureAwait(false);
            return (response.Value.Content.ToArray(), null);
        }
        catch (RequestFailedException e) when (e.Status is 404 or 412)
        {
            return (null, null);
        }
        catch (RequestFailedException e) when (e.Status == 409 && e.ErrorCode == BlobErrorCode.BlobArchived)
        {
            // Moved to the Archive tier after its properties were read. Unanswered, the read would fail every retry of the
            // event and every reconciliation sweep the same way, and the upload would never get a record.
            return (null, IntakeRejectionCode.Archived);
        }
        catch (RequestFailedException e) when (IsEncryptedWithCustomerProvidedKey(e))
        {
            // Refused for the same reason, the other way round: its content needs a key its properties did not.
            return (null, IntakeRejectionCode.EncryptedWithCustomerProvidedKey);
        }
    }

    /// <summary>The blob's access tier; none when the service names none (page blobs of a standard account).</summary>
    private static AccessTier? TierOf(BlobProperties properties) =>
        properties.AccessTier is { } tier ? new AccessTier(tier) : default(AccessTier?);

    /// <summary>
    /// The hint the upload's metadata gives: Auto without one; null for a value that names no modality. Read with the
    /// project's one name rule (<see cref="ModalityNames.TryParse"/>: short names and member names), not Enum.TryParse,
    /// which read "3" or "BrainMri,LiverCt" (flags 1|2) as CarotidUltrasound and the short name "brain-mri" as Auto.
    /// </summary>
    private static ModalityHint? ModalityFrom(IDictionary<string, string>? metadata)
    {
        if (metadata is null || !metadata.TryGetValue(ModalityMetadataKey, out var value)
            || string.Equals(value.Trim(), nameof(ModalityHint.Auto), StringComparison.OrdinalIgnoreCase))
        {
            return ModalityHint.Auto;
        }

        return ModalityNames.TryParse(value, out var hint) ? hint : null;
    }

    private string Describe(IntakeRejectionCode code, BlobType? blobType, long? contentLength) =>
        UploadRejectionReason.Describe(code, blobType, contentLength, settings.MaxScanBytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An upload outside scans/{{scanId}}/, or with a '.' or '..' segment, was ignored (its name is not logged)")]
    private partial void LogInvalidScanId();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId}: a blob in a subfolder of its folder, not its upload, was ignored (its name is not logged)")]
    private partial void LogStrayIgnored(string scanId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scan {ScanId}: its job record ({ModelVersion}) cannot be read by this version (stored {Field}); the upload was not taken in and is left for when the record is repaired")]
    private partial void LogUnreadableRecord(string scanId, string modelVersion, string field);

    [LoggerMessage(Level = LogLevel.Error, Message = "An upload was not taken in: the job table '{TableName}' does not exist in the storage account this app is connected to (an incomplete deployment or a deleted table). The upload is kept; the upload reconciliation takes it in once the table is restored, if that is within {LookbackHours} h of the upload (Intake__ReconcileLookbackHours)")]
    private partial void LogJobTableMissing(string tableName, int lookbackHours);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId} was erased before: a file uploaded under its id afterwards was erased too, unprocessed")]
    private partial void LogRefusedAfterErasure(string scanId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId}: the upload was refused ({Reason}); it was deleted unprocessed")]
    private partial void LogRefusedRemoved(string scanId, IntakeRejectionCode reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId}: the upload was refused ({Reason}) but not deleted ({ErrorCode}: written since it was read, or leased)")]
    private partial void LogRefusedKept(string scanId, IntakeRejectionCode reason, string? errorCode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId}: the blob changed or was deleted before intake; its newer event is handled on its own")]
    private partial void LogGone(string scanId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId}: nothing to publish ({Reason})")]
    private partial void LogSkipped(string scanId, SkipReason reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId} queued ({Format}, model {ModelVersion})")]
    private partial void LogQueued(string scanId, ScanFormat format, string modelVersion);
}
