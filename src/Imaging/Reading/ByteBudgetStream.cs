namespace Synomaly.Imaging.Reading;

/// <summary>
/// A read-only wrapper that counts the bytes read through it and rejects the scan once a budget is exceeded, so that a
/// decompression bomb fails with <see cref="ScanRejectionCode.LimitExceeded"/> instead of filling memory or disk.
/// </summary>
public sealed class ByteBudgetStream(Stream inner, long budget, string what) : ReadOnlyWrapperStream(inner)
{
    protected override int ReadCore(Span<byte> buffer)
    {
        int n = Inner.Read(buffer);
        if (BytesRead + n > budget)
        {
            throw new ScanRejectedException(ScanRejectionCode.LimitExceeded, $"The {what} exceeds the limit of {budget} bytes.");
        }

        return n;
    }
}
