using System.Security.Cryptography;
using System.Text;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using Synomaly.Contracts;
using Synomaly.Functions.Services.Erasure;
using Synomaly.Storage;
using Synomaly.Storage.Blobs;

namespace Synomaly.Functions.Services.Archive;

/// <summary>
/// LEGACY, for erasure only. Before keyed archive scan ids an archive file's id was "a-" plus the first 128 bits of an
/// unkeyed SHA-256 of its name, and what a bulk run filed under such ids stays until the lifecycle rule ages it out.
/// When the archive's owner deletes a file, <see cref="ArchiveDeletionHandler"/> erases that too, through here, by the
/// same <see cref="ScanErasureService"/> call as the keyed id (idempotent; a source written again keeps its results; no
/// tombstone where nothing existed). Nothing else may use <see cref="UnkeyedScanIdOf"/>: no job is filed, read or
/// checked under it (anyone can test a guessed name against an unkeyed id, which is why ids are keyed now). Remove this
/// once every deployment's pre-upgrade results have aged out (<c>resultsDeleteAfterDays</c> after its upgrade).
/// </summary>
public sealed partial class LegacyArchiveScanErasure(ScanErasureService erasure, ScanJobRows rows, BlobServiceClient blobs, ILogger<LegacyArchiveScanErasure> logger)
{
    /// <summary>The unkeyed id of <paramref name="archiveBlobName"/>, exactly as versions before keyed ids computed it.</summary>
    internal static string UnkeyedScanIdOf(string archiveBlobName) =>
        "a-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(archiveBlobName)), 0, 16);

    /// <summary>
    /// Erases what was filed under the deleted file's unkeyed id; null where nothing was. The erasure logs the id it
    /// erases, so it runs only where a record or result stands under it (where the id was in the logs and the table
    /// already): the unkeyed id of a file never processed before the upgrade is never written anywhere.
    /// </summary>
    /// <exception cref="Synomaly.Storage.Jobs.JobTableMissingException">The job table does not exist (the event is put back).</exception>
    /// <exception cref="ErasureIncompleteException">
    /// Storage denied the check a request, or the app's identity got no token for it for a lasting reason
    /// (<see cref="AccessFailure"/>): an Error names the role or the identity, and the message's retries fail until an
    /// operator mends it. Or storage, or the identity endpoint, failed it for a passing reason
    /// (<see cref="ErasureIncompleteCause.StorageUnavailable"/>, <see cref="ErasureIncompleteCause.IdentityUnavailable"/>):
    /// a Warning names the status or the cause, and a retry of the message a moment later finishes it.
    /// </exception>
    public async Task<ScanErasureOutcome?> EraseAsync(string archiveBlobName, CancellationToken cancellationToken)
    {
        var scanId = UnkeyedScanIdOf(archiveBlobName);
        if (!await AnythingFiledUnderAsync(scanId, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var (outcome, _) = await erasure.EraseAsync(scanId, cancellationToken, ErasureReason.ArchiveSourceDeleted).ConfigureAwait(false);
        return outcome;
    }

    /// <summary>Any job row (readable or not, tombstones too) or any result blob, current, staged or an earlier version, under the id.</summary>
    private async Task<bool> AnythingFiledUnderAsync(string scanId, CancellationToken cancellationToken)
    {
        try
        {
            return (await rows.ListAsync(scanId, cancellationToken).ConfigureAwait(false)).Count > 0
                || await BlobFolderEraser.AnyUnderAsync(blobs.GetBlobContainerClient(BlobLayout.ResultsContainer), scanId + "/", cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (AccessFailure.Of(e) is { } failure)
        {
            // Thrown raw, this was retried into the poison queue with only the host's exception log, which names no role.
            throw CheckFailed(failure);
        }
        catch (Exception e) when (TransientStorageFailure.Of(e, cancellationToken) is { } failure)
        {
            // Thrown raw too, as the rest of the erasure answers it (a Warning with the status, the message retried).
            LogStorageUnavailable(failure.Status, failure.ErrorCode);
            throw new ErasureIncompleteException(
                $"The check of an archive file's id from before keyed ids stopped: {ScanErasureService.Answer(failure)}; {Done}. Repeat it.",
                ErasureIncompleteCause.StorageUnavailable);
        }
        catch (Exception e) when (TokenFailure.Of(e) is { PassingCause: { } cause })
        {
            LogTokenDelayed(cause);
            throw new ErasureIncompleteException(
                $"The check of an archive file's id from before keyed ids stopped: the app's identity could not get a token for storage for now ({cause}); {Done}. Repeat it.",
                ErasureIncompleteCause.IdentityUnavailable);
        }
    }

    /// <summary>What is done when the check stops, however it stops: it runs after the keyed id's erasure, and before anything under its own id.</summary>
    private const string Done = "the file's keyed id is erased; nothing filed under its id from before keyed ids was changed";

    /// <summary>
    /// The error of a check stopped for want of access, named as the rest of the erasure names it (the request and its
    /// role, or the identity), with an Error log. Neither names the id: it can be checked against a guessed file name.
    /// </summary>
    private ErasureIncompleteException CheckFailed(AccessFailure failure)
    {
        if (failure.Denied is not { } denied)
        {
            LogTokenUnavailable(failure.ErrorType);
            return new ErasureIncompleteException(
                $"The check of an archive file's id from before keyed ids stopped: the app's identity could not get a token for storage ({failure.ErrorType}); {Done}. Repeat once it gets its tokens again (an operator checks the app's managed identity).",
                ErasureIncompleteCause.TokenUnavailable);
        }

        var (request, role) = ErasureRoles.ForDenied(denied);
        LogDenied(request, denied.Status, denied.ErrorCode, role);
        return new ErasureIncompleteException(
            $"The check of an archive file's id from before keyed ids stopped: storage denied this app {request} (storage answered {denied.Status}; the app needs the role {role} there); {Done}. Repeating does not help until an operator grants the app that role; then repeat it.",
            ErasureIncompleteCause.AccessDenied);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "An archive deletion's check of the file's id from before keyed ids stopped: storage denied the app {Request} ({Status} {ErrorCode}). The Functions identity needs the role {Role} there (docs/API.md, \"Roles the Functions identity needs\"; AuthorizationFailure: a firewall or network rule refuses the app instead). The file's keyed id is erased; the message is retried, and replayed from archive-deletions-poison every hour, until the role is granted")]
    private partial void LogDenied(string request, int status, string? errorCode, string role);

    [LoggerMessage(Level = LogLevel.Error, Message = "An archive deletion's check of the file's id from before keyed ids stopped: the Functions identity could not get a token for storage ({ErrorType}); check its managed identity (the ScansStorage connection's __credential and __clientId, docs/SETTINGS.md). The file's keyed id is erased; the message is retried, and replayed from archive-deletions-poison every hour, until it gets its tokens")]
    private partial void LogTokenUnavailable(string errorType);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An archive deletion's check of the file's id from before keyed ids stopped: storage failed for a passing reason ({Status} {ErrorCode}; status 0: no answer). The file's keyed id is erased; the message is retried")]
    private partial void LogStorageUnavailable(int status, string? errorCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An archive deletion's check of the file's id from before keyed ids stopped: the Functions identity could not get a token for storage for a passing reason ({Cause}). The file's keyed id is erased; the message is retried")]
    private partial void LogTokenDelayed(string cause);
}
