namespace Synomaly.Imaging.Reading;

/// <summary>
/// The common part of the read-only streams the readers wrap around their input: no writing, nothing to flush, every read
/// funnelled through <see cref="ReadCore"/> and counted, so that a forward-only wrapper reports the bytes read so far as its
/// position. The inner stream is disposed with the wrapper unless <paramref name="leaveOpen"/> is set.
/// </summary>
public abstract class ReadOnlyWrapperStream(Stream inner, bool leaveOpen = false) : Stream
{
    /// <summary>The wrapped stream.</summary>
    protected Stream Inner => inner;

    /// <summary>Bytes read through this wrapper so far.</summary>
    protected long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public sealed override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    public sealed override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public sealed override int Read(Span<byte> buffer)
    {
        int n = ReadCore(buffer);
        BytesRead += n;
        return n;
    }

    public sealed override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public sealed override void SetLength(long value) => throw new NotSupportedException();

    public sealed override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>Reads into <paramref name="buffer"/> and returns the byte count (0 at the end), before <see cref="BytesRead"/> counts it.</summary>
    protected abstract int ReadCore(Span<byte> buffer);

    protected override void Dispose(bool disposing)
    {
        if (disposing && !leaveOpen)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
