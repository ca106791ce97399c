using Synomaly.Storage.Local;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using Synomaly.Storage.Messaging;

namespace Synomaly.Functions.Services.Archive;

/// <summary>
/// Puts archive deletion events that Event Grid could not deliver back on the <c>archive-deletions</c> queue. Event Grid
/// gives up on a delivery after 24 hours (a missing queue, a role not yet granted, a storage outage) and writes the event
/// to the dead-letter container instead; without a replay the results of that deleted source would stay until the
/// lifecycle rule ages them out. The queue trigger then erases as for any event, so a replayed duplicate is harmless.
/// </summary>
/// <remarks>
/// Event Grid names each dead-letter blob <c>{SUBSCRIPTION NAME IN UPPER CASE}/{yyyy}/{M}/{d}/{H}/{guid}.json</c> and
/// writes a JSON array of one or more events, each with <c>deadLetterReason</c>, <c>deliveryAttempts</c> and the like
/// added (ignored by the queue's parser). A blob is deleted only after all its events are on the queue; one that cannot
/// be read stays where it is, with a warning (its name holds a date and a GUID, never a scan's name). The account keeps
/// blob versions, so a deleted blob lives on as a previous version; the replay deletes those too (see
/// <see cref="DeleteVersionsOfGoneBlobsAsync"/>).
/// </remarks>
public sealed partial class ArchiveDeadLetterReplay(BlobContainerClient deadLetters, QueueClient events, ILogger<ArchiveDeadLetterReplay> logger)
{
    /// <summary>The dead-letter container of the Event Grid subscription (Bicep: archive-deletion-events.bicep).</summary>
    public const string ContainerName = LocalStorageResources.EventGridDeadLetterContainer;

    /// <summary>Where Event Grid puts the dead letters of subscription <c>archive-blob-deleted</c>.</summary>
    public const string SubscriptionFolder = "ARCHIVE-BLOB-DELETED/";

    /// <summary>Hourly, at minute 20: dead letters are rare, and Event Grid has already retried each one for a day.</summary>
    public const string Schedule = "0 20 * * * *";

    public ArchiveDeadLetterReplay(BlobServiceClient blobs, QueueServiceClient queues, ILogger<ArchiveDeadLetterReplay> logger)
        : this(blobs.GetBlobContainerClient(ContainerName), queues.GetQueueClient(ArchiveDeletionHandler.QueueName), logger)
    {
    }

    /// <summary>Replays every dead-letter blob of the subscription once; what it did.</summary>
    public async Task<DeadLetterReplayOutcome> RunAsync(CancellationToken cancellationToken)
    {
        int replayedBlobs = 0, replayedEvents = 0, unreadableBlobs = 0;
        if (!await deadLetters.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            return new DeadLetterReplayOutcome(0, 0, 0, 0);
        }

        await foreach (var item in deadLetters.GetBlobsAsync(new GetBlobsOptions { Prefix = SubscriptionFolder }, cancellationToken).ConfigureAwait(false))
        {
            var blob = deadLetters.GetBlobClient(item.Name);
            BinaryData content;
            try
            {
                content = (await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content;
            }
            catch (RequestFailedException e) when (e.Status == 404)
            {
                continue; // deleted since the listing (an operator, or an overlapping run)
            }

            var eventTexts = SplitEvents(content);
            if (eventTexts is null)
            {
                unreadableBlobs++;
                LogUnreadable(item.Name);
                continue;
            }

            foreach (string eventText in eventTexts)
            {
                // Encoded as Event Grid writes and the queue trigger reads; never expiring, as Event Grid's own deliveries (Bicep).
                await events.SendMessageAsync(QueueTriggerText.Encode(eventText), visibilityTimeout: null, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken).ConfigureAwait(false);
            }

            await blob.DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            replayedBlobs++;
            replayedEvents += eventTexts.Count;
        }

        int deletedVersions = await DeleteVersionsOfGoneBlobsAsync(cancellationToken).ConfigureAwait(false);
        if (replayedBlobs + unreadableBlobs + deletedVersions > 0)
        {
            LogReplayed(replayedEvents, replayedBlobs, unreadableBlobs, deletedVersions);
        }

        return new DeadLetterReplayOutcome(replayedBlobs, replayedEvents, unreadableBlobs, deletedVersions);
    }

    /// <summary>
    /// Deletes the previous versions of the subscription's dead-letter blobs that are gone: those this run replayed, and
    /// those an earlier run or an operator deleted. The account keeps versions (Bicep: isVersioningEnabled), so deleting
    /// a blob only turns it into a previous version, which still names the archive files of its events (subject,
    /// data.url) for up to 30 days; API.md promises that no trace of such a name outlives the file. Listing the whole
    /// folder, not each replayed blob, also clears what a run stopped between the two deletes left. A blob still there
    /// (left unreadable) keeps its versions. Azurite keeps no versions: it answers the listing with the current blobs
    /// alone, without a version id, which count as current here, so a local run finds nothing to delete.
    /// </summary>
    /// <returns>The previous versions deleted.</returns>
    private async Task<int> DeleteVersionsOfGoneBlobsAsync(CancellationToken cancellationToken)
    {
        var current = new HashSet<string>(StringComparer.Ordinal);
        var previous = new List<(string Name, string VersionId)>();
        var listing = new GetBlobsOptions { Prefix = SubscriptionFolder, States = BlobStates.Version };
        await foreach (var item in deadLetters.GetBlobsAsync(listing, cancellationToken).ConfigureAwait(false))
        {
            if (item.VersionId is { Length: > 0 } versionId && item.IsLatestVersion != true)
            {
                previous.Add((item.Name, versionId));
            }
            else
            {
                current.Add(item.Name);
            }
        }

        int deleted = 0;
        foreach (var (name, versionId) in previous.Where(v => !current.Contains(v.Name)))
        {
            var version = deadLetters.GetBlobClient(name).WithVersion(versionId);
            deleted += (await version.DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value ? 1 : 0;
        }

        return deleted;
    }

    /// <summary>The events of one dead-letter blob as JSON texts, one per queue message; null unless a JSON array of objects.</summary>
    private static List<string>? SplitEvents(BinaryData content)
    {
        try
        {
            using var document = JsonDocument.Parse(content);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            var texts = new List<string>();
            foreach (var element in document.RootElement.EnumerateArray())
            {
                if (element.ValueKind != JsonValueKind.Object)
                {
                    return null;
                }

                texts.Add(element.GetRawText());
            }

            return texts;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dead-lettered archive deletion events in {BlobName} are not a JSON array of events and were left in place; read it, erase the scans it names with the DELETE scan API, then delete the blob")]
    private partial void LogUnreadable(string blobName);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replayed {EventCount} dead-lettered archive deletion events from {BlobCount} blobs onto the archive-deletions queue ({UnreadableCount} unreadable blobs left in place, {VersionCount} previous versions of deleted ones deleted)")]
    private partial void LogReplayed(int eventCount, int blobCount, int unreadableCount, int versionCount);
}

/// <summary>
/// What one replay did: blobs and events put back on the queue, blobs left in place because they could not be read, and
/// previous versions of deleted dead-letter blobs deleted.
/// </summary>
public sealed record DeadLetterReplayOutcome(int ReplayedBlobs, int ReplayedEvents, int UnreadableBlobs, int DeletedVersions);
