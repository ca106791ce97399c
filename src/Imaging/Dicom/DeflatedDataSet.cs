using System.IO.Compression;

namespace Synomaly.Imaging.Dicom;

/// <summary>Inflates the data set of the Deflated Explicit VR Little Endian transfer syntax, bounded by the read limits.</summary>
internal static class DeflatedDataSet
{
    public static byte[] Inflate(ReadOnlyMemory<byte> compressed, ScanReadLimits limits)
    {
        long max = Math.Min(limits.MaxDecompressedBytes, Array.MaxLength);
        var span = compressed.Span;

        // The standard says raw deflate (RFC 1951); some writers add a zlib header (RFC 1950), which is accepted too.
        bool zlib = span.Length >= 2 && (span[0] & 0x0F) == 8 && ((span[0] << 8) | span[1]) % 31 == 0;
        using var input = new MemoryStream(compressed.ToArray(), writable: false);
        using Stream inflater = zlib ? new ZLibStream(input, CompressionMode.Decompress) : new DeflateStream(input, CompressionMode.Decompress);
        try
        {
            return BoundedCopy.ReadAll(inflater, max, "the inflated data set");
        }
        catch (InvalidDataException exception)
        {
            throw new ScanRejectedException(ScanRejectionCode.Malformed, "DICOM structure is malformed: the deflated data set is corrupt.", exception);
        }
    }
}
