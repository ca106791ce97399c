using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Synomaly.GpuWorker.Messaging;

/// <summary>
/// Writes the poison queue message of a dead-lettered Storage Queue message, always within one queue message's limit
/// (64 KiB of text; the poison client sends it as it is, without base64). A foreign or malformed message can be near that
/// limit itself, and JSON escaping makes some characters six bytes long: copied whole, the envelope was refused on every
/// try, the message was never settled, and it came back for ever. Past the limit the envelope keeps the longest start
/// of the text that fits, how many bytes were dropped and the whole text's hash.
/// </summary>
internal static class PoisonEnvelope
{
    /// <summary>The envelope's largest size, in UTF-8 bytes: under the service's 64 KiB, with room to spare.</summary>
    public const int MaxBytes = 60 * 1024;

    /// <summary>The longest description kept, in characters (the worker's own are a few lines).</summary>
    public const int MaxDescriptionChars = 2048;

    public static byte[] Serialize(DeadLetteredMessage envelope)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        envelope = envelope with { Description = Shorten(envelope.Description) };
        var whole = ToUtf8(envelope);
        if (whole.Length <= MaxBytes)
        {
            return whole;
        }

        var text = envelope.Body;
        var textBytes = Encoding.UTF8.GetByteCount(text);
        var marked = envelope with { BodyBytesDropped = textBytes, BodySha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text))) };

        // The longest start that fits, by bisection: escaping varies per character, so only the serialized size tells.
        // The final count of dropped bytes is no larger than the one measured with, so the result fits too.
        int fits = 0, tooLong = text.Length + 1;
        while (tooLong - fits > 1)
        {
            var length = fits + ((tooLong - fits) / 2);
            if (ToUtf8(marked with { Body = Start(text, length) }).Length <= MaxBytes)
            {
                fits = length;
            }
            else
            {
                tooLong = length;
            }
        }

        var kept = Start(text, fits);
        return ToUtf8(marked with { Body = kept, BodyBytesDropped = textBytes - Encoding.UTF8.GetByteCount(kept) });
    }

    private static string Shorten(string description) =>
        description.Length <= MaxDescriptionChars
            ? description
            : $"{Start(description, MaxDescriptionChars)}... ({description.Length - MaxDescriptionChars} characters dropped)";

    /// <summary>The first <paramref name="length"/> characters, one fewer where that would split a surrogate pair.</summary>
    private static string Start(string text, int length) =>
        length > 0 && length < text.Length && char.IsHighSurrogate(text[length - 1]) ? text[..(length - 1)] : text[..length];

    private static byte[] ToUtf8(DeadLetteredMessage envelope) => JsonSerializer.SerializeToUtf8Bytes(envelope, WorkerJsonContext.Default.DeadLetteredMessage);
}
