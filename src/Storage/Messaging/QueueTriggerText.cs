using System.Text;

namespace Synomaly.Storage.Messaging;

/// <summary>
/// The text of a Storage Queue message as the WebJobs/Functions queue trigger reads it: base64, its default
/// <c>messageEncoding</c> (host.json sets none) and also what Event Grid writes to a queue. Every producer of a message
/// a queue trigger or the worker's receiver reads encodes through here, so the convention is stated once.
/// </summary>
public static class QueueTriggerText
{
    public static string Encode(ReadOnlySpan<byte> content) => Convert.ToBase64String(content);

    public static string Encode(string text) => Encode(Encoding.UTF8.GetBytes(text));
}
