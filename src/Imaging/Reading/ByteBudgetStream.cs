namespace Synomaly.Imaging.Reading;

/// <summary>
/// A read-only wrapper that counts the bytes read through it and rejects the scan once a budget is exceeded, so that a
/// decompression bomb fails with <see cref="ScanRejectionCode.LimitExceeded"/> instead of filling memory or disk.
/// </summary>
public sealed class ByteBudgetStream(Stream inner, long budget, string what) : Stream
{
    private long _read;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer);
        _read += n;
        if (_read > budget)
        {
            throw new ScanRejectedException(ScanRejectionCode.LimitExceeded, $"The {what} exceeds the limit of {budget} bytes.");
        }

        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }
}
