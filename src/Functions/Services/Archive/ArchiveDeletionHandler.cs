using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using Synomaly.Contracts;
using Synomaly.Functions.Services.Erasure;
using Synomaly.Storage.Jobs;
using Synomaly.Storage.Keys;
using Synomaly.Storage.Local;
using Synomaly.Storage.Messaging;

namespace Synomaly.Functions.Services.Archive;

/// <summary>
/// Erases what this app derived from an archive scan once the archive's owner deletes its source. Results are patient
/// data too, and would otherwise be kept until the lifecycle rule ages them out (two years in production). Event Grid
/// delivers the owner's BlobDeleted events to the <see cref="QueueName"/> queue (Bicep: subscription
/// <c>archive-blob-deleted</c>); the erasure is the same as <c>DELETE /api/scans/{scanId}</c>'s, which re-checks that the
/// source is really gone (a blob written again under the name keeps its results). Besides the file's keyed id it erases
/// what was filed under the unkeyed id of versions before keyed ids (<see cref="LegacyArchiveScanErasure"/>), with the
/// same checks, so results computed before the upgrade do not outlive their source until the lifecycle rule.
/// </summary>
public sealed partial class ArchiveDeletionHandler(ScanErasureService erasure, BlobServiceClient blobs, QueueServiceClient queues, ArchiveScanIdKeyStore archiveKey, LegacyArchiveScanErasure legacy, ILogger<ArchiveDeletionHandler> logger)
{
    public const string QueueName = LocalStorageResources.ArchiveDeletionsQueue;

    /// <summary>How long an event that found no job table waits on the queue before it is tried again (as the hourly poison replay).</summary>
    public static readonly TimeSpan TableMissingDelay = TimeSpan.FromHours(1);

    /// <summary>
    /// Handles the message as the queue trigger delivers it (base64-decoded text). The message is the only copy of the
    /// owner's deletion, so it must not be dropped; but without the job table no erasure can be carried out (nor can its
    /// absence tell whether there is anything to erase: the results may well be there), and thrown, each of its 10
    /// dequeues failed the same way into <c>archive-deletions-poison</c>, was replayed an hour later and failed 10 times
    /// again, each time with only the host's exception log. Instead it logs one Error naming the table and puts the event
    /// back on the queue, hidden for <see cref="TableMissingDelay"/> and never expiring: it is tried once an hour until
    /// the table is restored, and then carried out.
    /// </summary>
    public async Task HandleQueuedAsync(string message, CancellationToken cancellationToken)
    {
        try
        {
            await HandleAsync(BinaryData.FromString(message), cancellationToken).ConfigureAwait(false);
        }
        catch (JobTableMissingException e)
        {
            await queues.GetQueueClient(QueueName).SendMessageAsync(QueueTriggerText.Encode(message), visibilityTimeout: TableMissingDelay, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken).ConfigureAwait(false);
            LogJobTableMissing(e.TableName, TableMissingDelay.TotalMinutes);
        }
    }

    /// <summary>Handles one queue message; what it did, or null for an event that is not about this app's archive.</summary>
    /// <exception cref="InvalidArchiveEventException">Not a BlobDeleted event (the queue trigger's retries then move it to the poison queue).</exception>
    /// <exception cref="ErasureIncompleteException">
    /// The erasure stopped part way (a job record kept changing, a blob delete failed, storage denied a request or the
    /// identity got no token, with an Error naming the role), or the check of the id from before keyed ids was denied
    /// (<see cref="LegacyArchiveScanErasure"/>, its Error naming the role too) or failed for a passing reason (a Warning
    /// naming the status or the cause); the retry of the message repeats the erasure.
    /// </exception>
    /// <exception cref="ArchiveScanIdKeyUnavailableException">
    /// The archive scan id key could not be read, so the scan cannot be named; the message is retried (and replayed from
    /// the poison queue every hour) until it can, rather than erasing under an id of another key, which finds nothing.
    /// </exception>
    public async Task<ScanErasureOutcome?> HandleAsync(BinaryData message, CancellationToken cancellationToken)
    {
        var deleted = ArchiveBlobDeletedEvent.Parse(message);
        if (deleted is null || !string.Equals(deleted.AccountName, blobs.AccountName, StringComparison.OrdinalIgnoreCase))
        {
            LogIgnored();
            return null;
        }

        // The scan id is a keyed hash of the name: the name itself (patient data, possibly) is never logged.
        var scanId = await archiveKey.ScanIdOfAsync(deleted.BlobName, cancellationToken).ConfigureAwait(false);
        var (keyed, _) = await erasure.EraseAsync(scanId, cancellationToken, ErasureReason.ArchiveSourceDeleted).ConfigureAwait(false);
        // After the keyed id, so that a key that cannot be read leaves everything as it was (the message is retried).
        var outcome = Combined(keyed, await legacy.EraseAsync(deleted.BlobName, cancellationToken).ConfigureAwait(false));
        // Logged under the keyed id only: the unkeyed one can be checked against a guessed name.
        switch (outcome)
        {
            case ScanErasureOutcome.ArchiveScan:
                LogSourceBack(scanId);
                break;
            case ScanErasureOutcome.NotFound:
                LogNeverProcessed(scanId);
                break;
        }

        return outcome;
    }

    /// <summary>
    /// One outcome for the file: Deleted where either id had something erased; else ArchiveScan where either found the
    /// source back (written again, results kept); else NotFound.
    /// </summary>
    private static ScanErasureOutcome Combined(ScanErasureOutcome keyed, ScanErasureOutcome? legacy) =>
        keyed == ScanErasureOutcome.Deleted || legacy == ScanErasureOutcome.Deleted ? ScanErasureOutcome.Deleted
        : keyed == ScanErasureOutcome.ArchiveScan || legacy == ScanErasureOutcome.ArchiveScan ? ScanErasureOutcome.ArchiveScan
        : keyed;

    [LoggerMessage(Level = LogLevel.Error, Message = "An archive deletion event was not carried out: the job table '{TableName}' does not exist in the storage account this app is connected to (an incomplete deployment or a deleted table). The event is put back on archive-deletions and tried again in {DelayMinutes} min, until the table is restored")]
    private partial void LogJobTableMissing(string tableName, double delayMinutes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "An archive-deletions message that is not a BlobDeleted event of this account's archive container was ignored; check the Event Grid subscription's filter")]
    private partial void LogIgnored();

    [LoggerMessage(Level = LogLevel.Information, Message = "The archive source of scan {ScanId} was deleted but exists again (written anew); its results are kept")]
    private partial void LogSourceBack(string scanId);

    [LoggerMessage(Level = LogLevel.Information, Message = "The archive source of scan {ScanId} was deleted; nothing had been derived from it")]
    private partial void LogNeverProcessed(string scanId);
}
