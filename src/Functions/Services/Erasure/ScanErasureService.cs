using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Synomaly.Functions.Options;
using Synomaly.Contracts;
using Synomaly.Storage;
using Synomaly.Storage.Blobs;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Services.Erasure;

public enum ScanErasureOutcome
{
    /// <summary>Upload, results and job records handled.</summary>
    Deleted,

    /// <summary>
    /// Nothing of the scan existed (no job record, no upload, not even staged blocks, no results). An upload id is closed
    /// all the same (not an archive id): a tombstone was written, so a file uploaded to it later is erased at intake.
    /// </summary>
    NotFound,

    /// <summary>The scan comes from the archive and its source is still there (its owner erases it first); nothing was changed.</summary>
    ArchiveScan,

    /// <summary>
    /// An archive id without any job record, on request: nothing is recorded to erase, and nothing was changed. No tombstone
    /// either: the id (a hash) cannot be traced back to its archive file, so whether the archive holds it is unknown, and
    /// tombstones close upload ids only (a reprocessing run processes an archive file whatever tombstone its id has).
    /// </summary>
    ArchiveScanNotRecorded,
}

/// <summary>What <c>DELETE /api/scans/{scanId}</c> did.</summary>
/// <param name="JobsMarkedDeleted">Job records turned into deletion tombstones (one per model version).</param>
/// <param name="UploadBlobsDeleted">Blobs under scans/{scanId}/ (current versions).</param>
/// <param name="ResultBlobsDeleted">Blobs under results/{scanId}/, every model and upload version.</param>
/// <param name="PreviousVersionsDeleted">Earlier blob versions of either, deleted too.</param>
public sealed record ScanErasure(string ScanId, int JobsMarkedDeleted, int UploadBlobsDeleted, int ResultBlobsDeleted, int PreviousVersionsDeleted, DateTimeOffset DeletedAt);

/// <summary>
/// Erases one scan on request (a patient withdrew consent, a file was sent by mistake): its upload, every result derived
/// from it, and the job records' references to them. An archive scan is erased once its owner has removed it from the
/// archive (until then the request is refused: a reprocessing run would recreate its results); the owner's deletion
/// itself triggers that erasure (<see cref="Archive.ArchiveDeletionHandler"/>). The records become tombstones first, so that a worker still
/// processing one of the scan's messages finds its job taken over and writes no results (or removes what it wrote);
/// only then are the blobs deleted. The tombstones keep the scan id, the error code <c>Deleted</c> and the time: no
/// patient data, and the answer to "was it deleted, and when".
/// </summary>
public sealed partial class ScanErasureService(BlobServiceClient blobs, JobStore jobs, ScanJobRows rows, IOptions<IntakeOptions> intake, TimeProvider clock, ILogger<ScanErasureService> logger)
{
    private const int MaxWriteAttempts = 5;

    public async Task<(ScanErasureOutcome Outcome, ScanErasure? Erasure)> EraseAsync(string scanId, CancellationToken cancellationToken, ErasureReason reason = ErasureReason.Request)
    {
        if (!BlobLayout.IsValidScanId(scanId))
        {
            throw new ArgumentException($"'scanId' must be {BlobLayout.ScanIdRule}.", nameof(scanId));
        }

        var progress = new Progress();
        try
        {
            return await EraseValidAsync(scanId, reason, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (AccessFailure.Of(e) is { } failure)
        {
            // Left to the host, this was a bare 500 with an empty body (the DELETE) or an exception log alone (an archive
            // deletion's retries): answered as a denied blob delete is, with what is done by then.
            throw AccessFailed(scanId, reason, failure, progress);
        }
        catch (Exception e) when (TokenFailure.Of(e) is { PassingCause: { } cause })
        {
            // The identity endpoint throttled, failed or was out of reach: answered as storage failing for a passing
            // reason is (409, Retry-After), not as a missing identity (500, "repeating does not help"), which it is not.
            var done = Done(scanId, progress);
            LogTokenDelayed(scanId, reason, cause, done);
            throw new ErasureIncompleteException(
                $"The erasure of scan {scanId} stopped: the app's identity could not get a token for storage for now ({cause}); {done}. Repeat the request.",
                ErasureIncompleteCause.IdentityUnavailable);
        }
    }

    private async Task<(ScanErasureOutcome Outcome, ScanErasure? Erasure)> EraseValidAsync(string scanId, ErasureReason reason, Progress progress, CancellationToken cancellationToken)
    {
        var (records, unreadable) = await ReadRecordsAsync(scanId, cancellationToken).ConfigureAwait(false);
        // Contracts' one rule ("a-" and 32 lower-case hex digits), not the prefix alone: "a-foo" is a valid scan id that
        // an upload can be written under, and only a tombstone keeps a file written there after the erasure unprocessed.
        if (records.Count == 0 && unreadable.Count == 0 && reason == ErasureReason.Request && BlobLayout.IsArchiveScanId(scanId))
        {
            LogArchiveScanNotRecorded(scanId);
            return (ScanErasureOutcome.ArchiveScanNotRecorded, null);
        }

        // An unreadable record of an archive id may name a source the archive still holds, which cannot be told: it counts
        // as held, as does any source this app cannot name. Its owner's deletion (reason ArchiveSourceDeleted) erases it.
        progress.Step = ErasureStep.CheckingArchive;
        if ((unreadable.Count > 0 && reason == ErasureReason.Request && BlobLayout.IsArchiveScanId(scanId))
            || await ArchiveStillHoldsAsync(records, cancellationToken).ConfigureAwait(false))
        {
            return (ScanErasureOutcome.ArchiveScan, null);
        }

        progress.Step = ErasureStep.MarkingRecords;
        var deletedAt = clock.GetUtcNow();
        foreach (var record in records)
        {
            progress.Marked += await MarkDeletedAsync(record, deletedAt, blobsDeleted: false, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        foreach (var row in unreadable)
        {
            // A tombstone replaces the whole row: of the unreadable record only its key, ETag and creation time are kept.
            var keys = new JobRecord { ScanId = scanId, ModelVersion = row.ModelVersion, CreatedAt = row.CreatedAt, ETag = row.ETag };
            progress.Marked += await MarkDeletedAsync(keys, deletedAt, blobsDeleted: false, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        bool nothingMarked = progress.Marked == 0 && !records.Any(r => r.IsDeleted);
        // Results of an archive scan found without any record to mark: they existed, whatever the deletes below find of
        // them by then (the lifecycle rule, or another delivery of the owner's deletion, may erase them meanwhile).
        bool recordlessResultsFound = nothingMarked && reason == ErasureReason.ArchiveSourceDeleted
            && await AnyResultFiledUnderAsync(scanId, cancellationToken).ConfigureAwait(false);
        if (nothingMarked && (reason != ErasureReason.ArchiveSourceDeleted || recordlessResultsFound))
        {
            // No record to mark (a DELETE before intake made one, or while the upload is still staging its blocks): the
            // upload id is closed by a tombstone all the same, before the blobs are deleted. The upload URL, still valid
            // for a while, could otherwise write or commit the file after this erasure and have it processed; the
            // tombstone is what intake checks. An id nothing was ever written to gets one too: the request cannot tell
            // it from an upload about to arrive. An archive scan's results without a record get one too, which answers
            // "was it deleted, and when"; before the deletes as well: written after them, a failure left the retry of the
            // owner's deletion nothing to find, so no tombstone, and a log that nothing had been derived. (An archive id
            // with nothing filed under it needs none: its tombstone would not stop a reprocessing run of a file written
            // again under the name, which is new data.)
            progress.Marked += await CreateTombstoneAsync(scanId, deletedAt, cancellationToken).ConfigureAwait(false) ? 1 : 0;
        }

        // Uploads first: should the results' delete fail, what is left is derived data, and the answer can say so.
        var uploads = await EraseFolderAsync(BlobLayout.ScansContainer, scanId, reason, "its upload and its results are left, or part of them", progress, cancellationToken).ConfigureAwait(false);
        var results = await EraseFolderAsync(BlobLayout.ResultsContainer, scanId, reason, "its upload is deleted; its results are left, or part of them", progress, cancellationToken).ConfigureAwait(false);

        progress.Step = ErasureStep.BlobsDeleted;
        progress.Left = "whether a job record made while they were deleted is marked too could not be checked";
        try
        {
            progress.Marked += await MarkLateRecordsAsync(scanId, uploads, deletedAt, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (TransientStorageFailure.Of(e, cancellationToken) is { } failure)
        {
            // Every blob is gone by now: a 503 "storage unavailable" said nothing of that. What is left unconfirmed is
            // only whether a record made meanwhile is a tombstone, which the same request, repeated, marks.
            LogLateRecordsUnchecked(scanId, reason, failure.Status, failure.ErrorCode);
            throw new ErasureIncompleteException(
                $"The blobs of scan {scanId} are deleted and its records marked Deleted, but whether a job record made while they were deleted is marked too could not be checked ({Answer(failure)}). Repeat the request.",
                ErasureIncompleteCause.StorageUnavailable);
        }

        if (uploads.ETagsIncomplete)
        {
            // The list those late records are matched against may lack the last version deleted: say so rather than
            // leave such a record quietly without its tombstone.
            LogUploadVersionUnread(scanId);
        }
        bool deletedBlobs = uploads.Blobs + uploads.Versions + results.Blobs + results.Versions > 0;
        if (records.Count == 0 && unreadable.Count == 0 && !deletedBlobs && !recordlessResultsFound)
        {
            // An upload id is closed by the tombstone above even though nothing of it existed. Results found without a
            // record are not nothing: the tombstone written for them says the scan was deleted, and so does the outcome,
            // though they vanished before their deletes (it was NotFound, "nothing had been derived from it").
            LogNothingExisted(scanId, reason);
            return (ScanErasureOutcome.NotFound, null);
        }

        var erasure = new ScanErasure(scanId, progress.Marked, uploads.Blobs, results.Blobs, uploads.Versions + results.Versions, deletedAt);
        LogErased(scanId, reason, progress.Marked, uploads.Blobs, results.Blobs, erasure.PreviousVersionsDeleted);
        return (ScanErasureOutcome.Deleted, erasure);
    }

    /// <summary>
    /// Erases the scan's folder in one container, once its records are tombstones. A delete that fails is answered
    /// erasure-incomplete, which says what the caller needs (the scan will not be processed, <paramref name="left"/>) and
    /// whether repeating the request helps: storage failing for a passing reason (an answer such as 503, or none once
    /// the SDK's retries are spent) is repeated after a pause; a denied request (a missing role: the listing's, a
    /// delete's or a write's, <see cref="ErasureRoles"/>) only once an operator has granted it, which an Error log
    /// names (a token the app's identity cannot get is answered by <see cref="EraseAsync"/>, as at every step); an
    /// immutable blob (a retention policy, a legal hold) only once that is lifted, which an Error log says too; a lease
    /// taken again after the break, once it ends; any other refusal by repeating. Anything else (a bug, the caller's
    /// cancellation) stays thrown.
    /// </summary>
    /// <param name="left">What of the scan is left when this folder's erasure fails, for the caller.</param>
    private async Task<FolderErasure> EraseFolderAsync(string container, string scanId, ErasureReason reason, string left, Progress progress, CancellationToken cancellationToken)
    {
        progress.Step = ErasureStep.DeletingBlobs;
        progress.Left = left;
        try
        {
            return await BlobFolderEraser.EraseAsync(blobs.GetBlobContainerClient(container), scanId + "/", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (TransientStorageFailure.Of(e, cancellationToken) is { } failure)
        {
            LogIncomplete(scanId, reason, failure.Status, failure.ErrorCode);
            throw new ErasureIncompleteException(
                $"A blob of scan {scanId} could not be deleted yet ({Answer(failure)}); the records are marked Deleted, so nothing of it will be processed, and {left}. Repeat the request.",
                ErasureIncompleteCause.StorageUnavailable);
        }
        catch (BlobFolderAccessDeniedException e)
        {
            // The listing is denied as well as a delete, and by another role: each is named for what it was.
            var request = ErasureRoles.Request(e.Access);
            var role = ErasureRoles.ForFolder(e.Container, e.Access);
            LogAccessDenied(scanId, reason, request, e.Container, e.Status, e.ErrorCode, role);
            throw new ErasureIncompleteException(
                $"A blob of scan {scanId} could not be deleted: storage denied this app {request} in container '{e.Container}' (storage answered {e.Status}; the app needs the role {role} on it); the records are marked Deleted, so nothing of it will be processed, and {left}. Repeating the request does not help until an operator grants the app that role; then repeat it.",
                ErasureIncompleteCause.AccessDenied);
        }
        catch (RequestFailedException e) when (ImmutableUnder(e.ErrorCode) is { } protection)
        {
            LogImmutable(scanId, reason, container, e.Status, e.ErrorCode);
            throw new ErasureIncompleteException(
                $"A blob of scan {scanId} could not be deleted: it is immutable under {protection} (storage answered {e.Status}); the records are marked Deleted, so nothing of it will be processed, and {left}. Repeating the request does not help until {protection} is lifted; then repeat it.",
                ErasureIncompleteCause.Immutable);
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.LeaseIdMissing)
        {
            // BlobFolderEraser breaks a lease before it deletes: this one was taken again each time (an upload URL lets its holder take one).
            LogIncomplete(scanId, reason, e.Status, e.ErrorCode);
            throw new ErasureIncompleteException(
                $"A blob of scan {scanId} could not be deleted yet: it is leased, and the lease was taken again each time this app broke it (storage answered {e.Status}); the records are marked Deleted, so nothing of it will be processed, and {left}. Repeat the request once the lease ends.");
        }
        catch (RequestFailedException e)
        {
            LogIncomplete(scanId, reason, e.Status, e.ErrorCode);
            throw new ErasureIncompleteException(
                $"A blob of scan {scanId} could not be deleted yet (storage answered {e.Status}); the records are marked Deleted, so nothing of it will be processed, and {left}. Repeat the request.");
        }
    }

    /// <summary>
    /// Tombstones the records an intake that read the upload just before it was deleted may have created since the first
    /// listing (there was none to tombstone then): one for a deleted upload version is marked; one for an upload written
    /// after the deletes is left alone (intake erases such an upload once the tombstones stand). An unreadable late record
    /// cannot be told to be for a deleted version: it is left, and logged, like any other. How many it marked.
    /// </summary>
    private async Task<int> MarkLateRecordsAsync(string scanId, FolderErasure uploads, DateTimeOffset deletedAt, CancellationToken cancellationToken)
    {
        int marked = 0;
        foreach (var late in (await ReadRecordsAsync(scanId, cancellationToken).ConfigureAwait(false)).Records)
        {
            if (!late.IsDeleted && uploads.ETags.Any(late.IsForSourceVersion))
            {
                marked += await MarkDeletedAsync(late, deletedAt, blobsDeleted: true, cancellationToken).ConfigureAwait(false) ? 1 : 0;
            }
        }

        return marked;
    }

    /// <summary>
    /// The answer of an erasure stopped by a failure of access (<see cref="AccessFailure"/>) outside a folder's blob
    /// requests, which <see cref="EraseFolderAsync"/> answers itself: 500 erasure-incomplete, and an Error log, naming the
    /// role, or that the app's identity got no token, with what is done by then (never records marked before any was).
    /// </summary>
    private ErasureIncompleteException AccessFailed(string scanId, ErasureReason reason, AccessFailure failure, Progress progress)
    {
        var done = Done(scanId, progress);
        if (failure.Denied is not { } denied)
        {
            LogTokenUnavailable(scanId, reason, failure.ErrorType, done);
            return new ErasureIncompleteException(
                $"The erasure of scan {scanId} stopped: the app's identity could not get a token for storage ({failure.ErrorType}); {done}. Repeat the request once it gets its tokens again (an operator checks the app's managed identity).",
                ErasureIncompleteCause.TokenUnavailable);
        }

        // A folder's listing is the check for anything filed under an archive id without a record, before its tombstone.
        var (request, role) = denied is not BlobFolderAccessDeniedException && progress.Step == ErasureStep.CheckingArchive
            ? ($"the check of its source in the archive container '{BlobLayout.ArchiveContainer}'", ErasureRoles.BlobReader)
            : ErasureRoles.ForDenied(denied);
        LogStorageDenied(scanId, reason, request, denied.Status, denied.ErrorCode, role, done);
        return new ErasureIncompleteException(
            $"The erasure of scan {scanId} stopped: storage denied this app {request} (storage answered {denied.Status}; the app needs the role {role} there); {done}. Repeating the request does not help until an operator grants the app that role; then repeat it.",
            ErasureIncompleteCause.AccessDenied);
    }

    /// <summary>What of the scan is erased by the step <paramref name="progress"/> stopped at, for the answer and the log.</summary>
    private static string Done(string scanId, Progress progress) => progress.Step switch
    {
        < ErasureStep.DeletingBlobs when progress.Marked == 0 => $"nothing of scan {scanId} was changed",
        < ErasureStep.DeletingBlobs => $"{progress.Marked} of the job records of scan {scanId} are marked Deleted, not all of them yet, and no blob was deleted yet",
        ErasureStep.DeletingBlobs => $"the records of scan {scanId} are marked Deleted, so nothing of it will be processed, and {progress.Left}",
        _ => $"the blobs of scan {scanId} are deleted and its records marked Deleted, but {progress.Left}",
    };

    /// <summary>
    /// What keeps a blob from being deleted, where storage refused for immutability, as the answer names it; null for any
    /// other refusal. A time-based retention policy or a legal hold outlasts every repetition of the request: the erasure
    /// is carried out only once it ends or is removed, which is the decision of whoever set it.
    /// </summary>
    private static string? ImmutableUnder(string? errorCode) => errorCode switch
    {
        "BlobImmutableDueToPolicy" => "its immutability policy",
        "BlobImmutableDueToLegalHold" => "its legal hold",
        _ => null,
    };

    /// <summary>A storage failure as the caller reads it: its status, or that there was no answer (never a message, which can quote a blob name).</summary>
    internal static string Answer(StorageFailure failure) => failure.Status == 0 ? "storage did not answer" : $"storage answered {failure.Status}";

    /// <summary>
    /// The scan's records, and the rows of those this version cannot read. The listing throws on the first unreadable one;
    /// then the partition's rows are read by key and each record on its own, so the erasure goes on past them.
    /// </summary>
    private async Task<(IReadOnlyList<JobRecord> Records, IReadOnlyList<ScanJobRow> Unreadable)> ReadRecordsAsync(string scanId, CancellationToken cancellationToken)
    {
        try
        {
            return (await jobs.ListForScanAsync(scanId, cancellationToken).ConfigureAwait(false), []);
        }
        catch (InvalidJobRecordException)
        {
        }

        var records = new List<JobRecord>();
        var unreadable = new List<ScanJobRow>();
        foreach (var row in await rows.ListAsync(scanId, cancellationToken).ConfigureAwait(false))
        {
            try
            {
                if (await jobs.GetAsync(scanId, row.ModelVersion, cancellationToken).ConfigureAwait(false) is { } record)
                {
                    records.Add(record);
                }
            }
            catch (InvalidJobRecordException e)
            {
                LogUnreadable(scanId, row.ModelVersion, e.Field);
                unreadable.Add(row);
            }
        }

        return (records, unreadable);
    }

    /// <summary>
    /// Whether an archive scan's source still exists. The archive belongs to its owner, and the next reprocessing run would
    /// only recreate the results from it: such a scan is erased in the archive first, after which this request erases its
    /// results. A source this app cannot name in its own archive container counts as existing. Tombstones and jobs that
    /// found their source gone (<see cref="JobRecord.HasLostSource"/>) hold nothing: they no longer name their source.
    /// </summary>
    private async Task<bool> ArchiveStillHoldsAsync(IReadOnlyList<JobRecord> records, CancellationToken cancellationToken)
    {
        var archive = blobs.GetBlobContainerClient(BlobLayout.ArchiveContainer);
        foreach (var source in records.Where(r => r.Origin == JobOrigin.Bulk && !r.HasLostSource).Select(r => r.SourceBlobUri).Distinct())
        {
            if (source is null || new BlobUriBuilder(source) is not { BlobContainerName: BlobLayout.ArchiveContainer, BlobName: { Length: > 0 } name })
            {
                return true;
            }

            if ((await archive.GetBlobClient(name).ExistsAsync(cancellationToken).ConfigureAwait(false)).Value)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether any result of an archive scan, current, staged or an earlier version, is there to erase. Results alone: an
    /// archive scan has no upload (a bulk run publishes its file where it is in the archive, BulkReprocessService, and the
    /// worker files only its results, under results/{scanId}/), so listing scans/ found nothing, at a listing's cost and
    /// with one more role to be denied. Its scans/ folder is erased below all the same, should anything be there.
    /// </summary>
    private async Task<bool> AnyResultFiledUnderAsync(string scanId, CancellationToken cancellationToken) =>
        await BlobFolderEraser.AnyUnderAsync(blobs.GetBlobContainerClient(BlobLayout.ResultsContainer), scanId + "/", cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// A tombstone for the served model version, written before any blob is deleted; if a racing intake created that
    /// record meanwhile, it is tombstoned.
    /// </summary>
    private async Task<bool> CreateTombstoneAsync(string scanId, DateTimeOffset deletedAt, CancellationToken cancellationToken)
    {
        var tombstone = JobRecord.Tombstone(new JobRecord { ScanId = scanId, ModelVersion = intake.Value.ModelVersion, CreatedAt = deletedAt }, deletedAt);
        var created = await jobs.CreateAsync(tombstone, cancellationToken).ConfigureAwait(false);
        if (created.Outcome != JobWriteOutcome.AlreadyExists)
        {
            return created.Outcome == JobWriteOutcome.Written;
        }

        var raced = await jobs.GetAsync(scanId, intake.Value.ModelVersion, cancellationToken).ConfigureAwait(false);
        return raced is not null && await MarkDeletedAsync(raced, deletedAt, blobsDeleted: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Tombstones the record, re-reading it when a worker or intake wrote it in between; false if it was one already.</summary>
    /// <param name="blobsDeleted">Whether the scan's blobs are deleted by now, for the answer when the record kept changing.</param>
    /// <exception cref="ErasureIncompleteException">The record kept changing (<see cref="ErasureIncompleteCause.RecordKeptChanging"/>).</exception>
    private async Task<bool> MarkDeletedAsync(JobRecord record, DateTimeOffset deletedAt, bool blobsDeleted, CancellationToken cancellationToken)
    {
        var current = record;
        for (int attempt = 1; attempt <= MaxWriteAttempts; attempt++)
        {
            if (current.IsDeleted && current.MessageId == JobRecord.DeletedMessageId)
            {
                return false;
            }

            var result = await jobs.MarkDeletedAsync(current, deletedAt, cancellationToken).ConfigureAwait(false);
            switch (result.Outcome)
            {
                case JobWriteOutcome.Written:
                    return true;
                case JobWriteOutcome.NotFound:
                    return false;
                default:
                    current = result.Record ?? current;
                    break;
            }
        }

        // A record marked after the blob deletes (one made meanwhile, MarkLateRecordsAsync) must not be answered "no blob
        // was deleted yet": the caller would think the upload still there.
        string done = blobsDeleted
            ? "the scan's blobs are deleted already, and what is left is marking the records made meanwhile"
            : "no blob was deleted yet";
        throw new ErasureIncompleteException(
            $"The job record of scan {record.ScanId} ({record.ModelVersion}) kept changing while it was being marked; {done}. Repeat the request.",
            ErasureIncompleteCause.RecordKeptChanging);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId}: job record {ModelVersion} cannot be read by this version (stored {Field}); the erasure goes on, by the record's key")]
    private partial void LogUnreadable(string scanId, string modelVersion, string field);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId}: its upload was written again before each delete and was deleted at last without its version being read; a job record an intake made for that version after this erasure read the records is not tombstoned by it. Repeat the DELETE of this scan once nothing writes to the upload any more")]
    private partial void LogUploadVersionUnread(string scanId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId}: its erasure is incomplete ({Reason}): a blob could not be deleted ({Status} {ErrorCode}; status 0: no answer); its job records are tombstones, and the erasure must be repeated for the blobs left (the DELETE, or the archive deletion's retry)")]
    private partial void LogIncomplete(string scanId, ErasureReason reason, int status, string? errorCode);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scan {ScanId}: its erasure is incomplete ({Reason}): storage denied {Request} in container '{Container}' ({Status} {ErrorCode}). The Functions identity needs the role {Role} on that container (docs/API.md, \"Roles the Functions identity needs\"; AuthorizationFailure: a firewall or network rule refuses the app instead). Its job records are tombstones; once the role is granted, repeat the erasure (the DELETE, or the archive deletion's retry)")]
    private partial void LogAccessDenied(string scanId, ErasureReason reason, string request, string container, int status, string? errorCode, string role);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scan {ScanId}: its erasure stopped ({Reason}): storage denied the app {Request} ({Status} {ErrorCode}). The Functions identity needs the role {Role} there (docs/API.md, \"Roles the Functions identity needs\"; AuthorizationFailure: a firewall or network rule refuses the app instead). Done by then: {Done}; once the role is granted, repeat the erasure (the DELETE, or the archive deletion's retry)")]
    private partial void LogStorageDenied(string scanId, ErasureReason reason, string request, int status, string? errorCode, string role, string done);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scan {ScanId}: its erasure stopped ({Reason}): the Functions identity could not get a token for storage ({ErrorType}); check its managed identity (the ScansStorage connection's __credential and __clientId, docs/SETTINGS.md) and the identity endpoint. Done by then: {Done}; once it gets its tokens, repeat the erasure (the DELETE, or the archive deletion's retry)")]
    private partial void LogTokenUnavailable(string scanId, ErasureReason reason, string errorType, string done);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId}: its erasure stopped ({Reason}): the Functions identity could not get a token for storage for a passing reason ({Cause}). Done by then: {Done}; the erasure must be repeated (the DELETE, or the archive deletion's retry)")]
    private partial void LogTokenDelayed(string scanId, ErasureReason reason, string cause, string done);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scan {ScanId}: its erasure is incomplete ({Reason}): a blob in container '{Container}' ({Status} {ErrorCode}) is immutable under a time-based retention policy or a legal hold, on it or its container. Its job records are tombstones; repeating the erasure does not help until the policy or the hold is lifted (an archive deletion's retries fail until then)")]
    private partial void LogImmutable(string scanId, ErasureReason reason, string container, int status, string? errorCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId}: its erasure is incomplete ({Reason}): its blobs are deleted, but its job records could not be read again ({Status} {ErrorCode}; status 0: no answer), so a record an intake made meanwhile may be left without its tombstone; the erasure must be repeated")]
    private partial void LogLateRecordsUnchecked(string scanId, ErasureReason reason, int status, string? errorCode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId} ({Reason}): nothing of it existed; an upload id is closed by a tombstone all the same")]
    private partial void LogNothingExisted(string scanId, ErasureReason reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId} (Request): an archive id without any job record; nothing to erase, nothing changed")]
    private partial void LogArchiveScanNotRecorded(string scanId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scan {ScanId} erased ({Reason}): {Jobs} job records marked Deleted, {Uploads} upload blobs, {Results} result blobs and {Versions} previous versions deleted")]
    private partial void LogErased(string scanId, ErasureReason reason, int jobs, int uploads, int results, int versions);

    /// <summary>The steps of an erasure, in order: what a failure of access stopped, and so what is done by then.</summary>
    private enum ErasureStep
    {
        ReadingRecords,
        CheckingArchive,
        MarkingRecords,
        DeletingBlobs,
        BlobsDeleted,
    }

    /// <summary>How far one erasure got, for the answer of one that a failure of access stops.</summary>
    private sealed class Progress
    {
        public ErasureStep Step { get; set; }

        /// <summary>Records this request turned into tombstones so far.</summary>
        public int Marked { get; set; }

        /// <summary>What is left once the blobs' erasure began, as the answer says it.</summary>
        public string Left { get; set; } = "";
    }
}
