using System.Text.Json;
using Azure.Storage.Queues;
using Synomaly.Contracts;

namespace Synomaly.Cli.Reliability;

/// <summary>The poison queue's messages at the end of a run, searchable by scan id.</summary>
public sealed class DeadLetters
{
    private const int PeekLimit = 32;
    private readonly HashSet<string> scanIds;

    private DeadLetters(HashSet<string> scanIds, int messages)
    {
        this.scanIds = scanIds;
        Messages = messages;
    }

    public int Messages { get; }

    /// <summary>Whether a message for this scan id was dead-lettered (the envelope carries the original ScanJob JSON).</summary>
    public bool Holds(string scanId) => scanIds.Contains(scanId);

    public static async Task<DeadLetters> ReadAsync(QueueClient poison, CancellationToken cancellationToken)
    {
        int count = (await poison.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
        if (count > PeekLimit)
        {
            // A run dead-letters a handful of bad inputs; dozens mean something is wrong, and peeking shows only 32.
            throw new InvalidOperationException($"The poison queue holds {count} messages; a run should dead-letter only its few bad inputs. Inspect it by hand.");
        }

        var peeked = await poison.PeekMessagesAsync(PeekLimit, cancellationToken);
        return new DeadLetters([.. peeked.Value.Select(m => ScanIdOf(m.Body.ToString()))], count);
    }

    /// <summary>The scan id inside the worker's envelope.</summary>
    private static string ScanIdOf(string envelope)
    {
        using var outer = JsonDocument.Parse(envelope);
        string body = outer.RootElement.GetProperty("body").GetString()!;
        // The envelope keeps the queue message's body as it was sent: base64 of the ScanJob's JSON, as the Functions
        // queue conventions expect (older or hand-made messages may be plain JSON).
        var buffer = new byte[body.Length];
        var json = Convert.TryFromBase64String(body, buffer, out int written) ? buffer.AsSpan(0, written) : System.Text.Encoding.UTF8.GetBytes(body);
        return ScanJobSerializer.Deserialize(json).ScanId;
    }
}
