namespace Synomaly.Imaging.Reading;

/// <summary>Exact reads and skips that turn an early end of stream into a typed <see cref="ScanRejectionCode.Truncated"/>.</summary>
public static class StreamReading
{
    public static void ReadExactly(Stream stream, Span<byte> buffer, string what)
    {
        int total = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        if (total < buffer.Length)
        {
            throw new ScanRejectedException(ScanRejectionCode.Truncated, $"The file ends inside the {what} ({total} of {buffer.Length} bytes present).");
        }
    }

    /// <summary>Reads up to <paramref name="buffer"/>.Length bytes; returns how many were available.</summary>
    public static int ReadUpTo(Stream stream, Span<byte> buffer) => stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);

    public static void Skip(Stream stream, long count, string what)
    {
        if (count <= 0)
        {
            return;
        }

        if (stream.CanSeek)
        {
            if (stream.Position + count > stream.Length)
            {
                throw new ScanRejectedException(ScanRejectionCode.Truncated, $"The file ends before the {what}.");
            }

            stream.Seek(count, SeekOrigin.Current);
            return;
        }

        Span<byte> scratch = stackalloc byte[4096];
        while (count > 0)
        {
            int n = stream.Read(scratch[..(int)Math.Min(scratch.Length, count)]);
            if (n == 0)
            {
                throw new ScanRejectedException(ScanRejectionCode.Truncated, $"The file ends before the {what}.");
            }

            count -= n;
        }
    }
}
