using System.Globalization;

namespace Synomaly.Imaging.Dicom;

/// <summary>Reads a stream to its end into memory, failing with <see cref="ScanRejectionCode.LimitExceeded"/> past a byte limit.</summary>
internal static class BoundedCopy
{
    public static byte[] ReadAll(Stream stream, long maxBytes, string what)
    {
        maxBytes = Math.Min(maxBytes, Array.MaxLength);
        if (stream.CanSeek)
        {
            long remaining = stream.Length - stream.Position;
            if (remaining > maxBytes)
            {
                throw TooLarge(what, maxBytes);
            }

            var exact = new byte[remaining];
            stream.ReadExactly(exact);
            return exact;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw TooLarge(what, maxBytes);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static ScanRejectedException TooLarge(string what, long maxBytes) =>
        DicomRejections.Limit(string.Create(CultureInfo.InvariantCulture, $"{what} is larger than {maxBytes} bytes"));
}
