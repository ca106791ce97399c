namespace Synomaly.Imaging.Reading;

/// <summary>
/// Replays bytes already consumed (for example by format sniffing) in front of the rest of a forward-only stream, so a
/// reader can inspect the first bytes of a non-seekable upload and still decode it from the start.
/// </summary>
public sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream rest) : ReadOnlyWrapperStream(rest)
{
    protected override int ReadCore(Span<byte> buffer)
    {
        if (BytesRead >= prefix.Length)
        {
            return Inner.Read(buffer);
        }

        int start = (int)BytesRead;
        int n = Math.Min(buffer.Length, prefix.Length - start);
        prefix.Span.Slice(start, n).CopyTo(buffer);
        return n;
    }
}
