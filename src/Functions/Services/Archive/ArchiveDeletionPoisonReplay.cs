using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Microsoft.Extensions.Logging;
using Synomaly.Storage.Messaging;

namespace Synomaly.Functions.Services.Archive;

/// <summary>
/// Puts archive deletion events that the queue trigger gave up on back on the <c>archive-deletions</c> queue. The host
/// moves a message to <c>archive-deletions-poison</c> after host.json's <c>maxDequeueCount</c> failed attempts (a storage
/// outage longer than its retries, a job record that kept changing): nothing reads that queue, and its copies expire
/// after 7 days, so without a replay the erasure would be lost and the results kept until the lifecycle rule ages them
/// out, while the poison message itself kept the archive file's name. Each replayed event is a new message (its dequeue
/// count starts again) that never expires, as Event Grid's own deliveries; erasing twice is harmless.
/// </summary>
/// <remarks>
/// A message that is not an Event Grid event at all (<see cref="InvalidArchiveEventException"/>) would fail every
/// attempt again: it stays in the poison queue, with a warning naming its message id, for an operator to read and delete.
/// </remarks>
public sealed partial class ArchiveDeletionPoisonReplay(QueueClient poison, QueueClient events, ILogger<ArchiveDeletionPoisonReplay> logger)
{
    /// <summary>The queue the Functions host moves failed <c>archive-deletions</c> messages to.</summary>
    public const string PoisonQueueName = ArchiveDeletionHandler.QueueName + "-poison";

    /// <summary>
    /// How long a message received here stays hidden from others: long enough for one run, after which a message left
    /// in place (unreadable) is visible again to an operator.
    /// </summary>
    private static readonly TimeSpan Hold = TimeSpan.FromMinutes(10);

    public ArchiveDeletionPoisonReplay(QueueServiceClient queues, ILogger<ArchiveDeletionPoisonReplay> logger)
        : this(queues.GetQueueClient(PoisonQueueName), queues.GetQueueClient(ArchiveDeletionHandler.QueueName), logger)
    {
    }

    /// <summary>Replays every message of the poison queue once; what it did.</summary>
    public async Task<PoisonReplayOutcome> RunAsync(CancellationToken cancellationToken)
    {
        int replayed = 0, unreadable = 0;
        if (!await poison.ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            return new PoisonReplayOutcome(0, 0);
        }

        while (true)
        {
            QueueMessage[] batch = (await poison.ReceiveMessagesAsync(maxMessages: 32, visibilityTimeout: Hold, cancellationToken).ConfigureAwait(false)).Value;
            if (batch.Length == 0)
            {
                break;
            }

            foreach (var message in batch)
            {
                if (DeletionEvent(message) is not { } content)
                {
                    unreadable++;
                    LogUnreadable(message.MessageId);
                    continue;
                }

                // Sent before the poison copy is deleted: a run stopped between the two replays the event twice, which is
                // harmless, rather than not at all.
                await events.SendMessageAsync(QueueTriggerText.Encode(content), visibilityTimeout: null, timeToLive: TimeSpan.FromSeconds(-1), cancellationToken).ConfigureAwait(false);
                await poison.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
                replayed++;
            }
        }

        if (replayed + unreadable > 0)
        {
            LogReplayed(replayed, unreadable);
        }

        return new PoisonReplayOutcome(replayed, unreadable);
    }

    /// <summary>
    /// The event a poison message holds, as the queue trigger reads it (the host writes the poison copy with the queue's
    /// base64 encoding); null unless it is an event the handler can act on or ignore, never one it would fail on again.
    /// </summary>
    private static byte[]? DeletionEvent(QueueMessage message)
    {
        try
        {
            var content = Convert.FromBase64String(message.MessageText);
            ArchiveBlobDeletedEvent.Parse(BinaryData.FromBytes(content));
            return content;
        }
        catch (Exception e) when (e is FormatException or InvalidArchiveEventException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Message {MessageId} in archive-deletions-poison is not an archive deletion event and was left in place; read it, erase the scan it names with the DELETE scan API, then delete the message")]
    private partial void LogUnreadable(string messageId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replayed {ReplayedCount} archive deletion events from archive-deletions-poison onto the archive-deletions queue ({UnreadableCount} unreadable messages left in place)")]
    private partial void LogReplayed(int replayedCount, int unreadableCount);
}

/// <summary>What one poison replay did: events put back on the queue, and messages left in place because they are no event.</summary>
public sealed record PoisonReplayOutcome(int Replayed, int Unreadable);
