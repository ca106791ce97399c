using System.Text.Json;
using Azure.Messaging.EventGrid;
using Azure.Messaging.EventGrid.SystemEvents;
using Azure.Storage.Blobs;
using Synomaly.Contracts;

namespace Synomaly.Functions.Services.Archive;

/// <summary>
/// The archive blob named by one Event Grid <c>Microsoft.Storage.BlobDeleted</c> event, as the subscription
/// <c>archive-blob-deleted</c> delivers it to the <c>archive-deletions</c> queue (Event Grid schema, one event per message).
/// </summary>
/// <param name="AccountName">The storage account the event comes from.</param>
/// <param name="BlobName">The blob's name inside <c>archive</c>, unescaped: the name bulk reprocessing derived the scan id from.</param>
public sealed record ArchiveBlobDeletedEvent(string AccountName, string BlobName)
{
    public const string EventType = "Microsoft.Storage.BlobDeleted";

    /// <summary>
    /// Reads a queue message. Null for a well-formed event that is not a deletion in the archive container (the
    /// subscription filters those out, so one arriving here is a misconfigured subscription, not a deletion to act on).
    /// </summary>
    /// <exception cref="InvalidArchiveEventException">The message is not an Event Grid event, or its data has no blob URL.</exception>
    public static ArchiveBlobDeletedEvent? Parse(BinaryData message)
    {
        ArgumentNullException.ThrowIfNull(message);
        EventGridEvent[] events;
        try
        {
            events = EventGridEvent.ParseMany(message);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or FormatException)
        {
            throw new InvalidArchiveEventException("The message is not an Event Grid event (Event Grid schema): " + e.Message);
        }

        if (events.Length != 1)
        {
            throw new InvalidArchiveEventException($"The message holds {events.Length} events; Event Grid delivers one per queue message.");
        }

        var gridEvent = events[0];
        if (gridEvent.EventType != EventType)
        {
            return null;
        }

        if (!gridEvent.TryGetSystemEventData(out var data) || data is not StorageBlobDeletedEventData { Url: { Length: > 0 } url })
        {
            throw new InvalidArchiveEventException("The BlobDeleted event has no blob URL in its data.");
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw new InvalidArchiveEventException("The BlobDeleted event's blob URL is not an absolute URL.");
        }

        var blob = new BlobUriBuilder(uri);
        return blob.BlobContainerName == BlobLayout.ArchiveContainer && !string.IsNullOrEmpty(blob.BlobName)
            ? new ArchiveBlobDeletedEvent(blob.AccountName, blob.BlobName)
            : null;
    }
}

/// <summary>A message on the archive-deletions queue that cannot be read as a BlobDeleted event (it goes to the poison queue).</summary>
public sealed class InvalidArchiveEventException(string message) : Exception(message);
