using System.Text.Json;
using Azure.Storage.Queues;
using Synomaly.Storage.Messaging;

namespace Synomaly.Cli.Reliability;

/// <summary>The poison queue's messages at the end of a run, searchable by scan id.</summary>
public sealed class DeadLetters
{
    private const int PeekLimit = 32;
    private readonly List<(string ScanId, string Reason)> letters;

    private DeadLetters(List<(string ScanId, string Reason)> letters, int messages)
    {
        this.letters = letters;
        Messages = messages;
    }

    public int Messages { get; }

    /// <summary>Whether a message for this scan id was dead-lettered (the envelope carries the original ScanJob JSON).</summary>
    public bool Holds(string scanId) => letters.Exists(l => l.ScanId == scanId);

    /// <summary>
    /// Whether a message for this scan id was dead-lettered for any reason but SourceChanged. SourceChanged marks the
    /// message of an upload version that was overwritten before the worker read it: the newer version has its own message,
    /// so that dead letter is the stale version's, not the scan's.
    /// </summary>
    public bool HoldsFailure(string scanId) => letters.Exists(l => l.ScanId == scanId && l.Reason != StaleVersionReason);

    /// <summary>Dead letters of overwritten upload versions.</summary>
    public int StaleVersions => letters.Count(l => l.Reason == StaleVersionReason);

    private const string StaleVersionReason = "SourceChanged";

    public static async Task<DeadLetters> ReadAsync(QueueClient poison, CancellationToken cancellationToken)
    {
        int count = (await poison.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
        if (count > PeekLimit)
        {
            // A run dead-letters a handful of bad inputs; dozens mean something is wrong, and peeking shows only 32.
            throw new InvalidOperationException($"The poison queue holds {count} messages; a run should dead-letter only its few bad inputs. Inspect it by hand.");
        }

        var peeked = await poison.PeekMessagesAsync(PeekLimit, cancellationToken);
        return new DeadLetters([.. peeked.Value.Select(m => Read(m.Body.ToString()))], count);
    }

    /// <summary>The scan id and reason of the worker's envelope.</summary>
    private static (string ScanId, string Reason) Read(string envelope)
    {
        using var outer = JsonDocument.Parse(envelope);
        // The envelope keeps the queue message's text as it was sent, in the Storage Queue wire format of a ScanJob.
        var job = StorageQueueMessageCodec.Decode(outer.RootElement.GetProperty("body").GetString()!);
        return (job.ScanId, outer.RootElement.GetProperty("reason").GetString() ?? "");
    }
}
