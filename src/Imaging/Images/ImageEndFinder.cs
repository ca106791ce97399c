using System.Buffers.Binary;

namespace Synomaly.Imaging.Images;

/// <summary>
/// Whether a PNG or JPEG file holds its whole image, found by walking its structure to the end marker: the PNG chunks to
/// IEND, the JPEG marker segments and entropy-coded scans to EOI. Not by searching the tail, because valid files may carry
/// any amount of data after the end (a PNG's bytes after IEND; a JPEG's trailer, such as a Motion Photo's video or the
/// further images of an MPF file), and a thumbnail's EOI inside an EXIF segment is not the image's end. Every step moves
/// forward, and nothing is allocated.
/// </summary>
internal static class ImageEndFinder
{
    private const int PngSignatureBytes = 8;

    private const byte MarkerPrefix = 0xFF;

    private const byte EndOfImage = 0xD9;

    private const byte StartOfScan = 0xDA;

    public static bool PngReachesEnd(ReadOnlySpan<byte> png)
    {
        long pos = PngSignatureBytes;
        // Each chunk: 4-byte length, 4-byte type, data, 4-byte CRC. IEND counts once its type is there (it has no data).
        while (png.Length - pos >= 8)
        {
            var chunk = png[(int)pos..];
            if (chunk.Slice(4, 4).SequenceEqual("IEND"u8))
            {
                return true;
            }

            pos += 12L + BinaryPrimitives.ReadUInt32BigEndian(chunk);
        }

        return false;
    }

    public static bool JpegReachesEnd(ReadOnlySpan<byte> jpeg)
    {
        int pos = 2; // after SOI
        while (true)
        {
            // Bytes where a marker belongs that are not one are skipped to the next 0xFF, as libjpeg does (with a warning);
            // a marker may be preceded by any number of 0xFF fill bytes.
            int prefix = pos < jpeg.Length ? jpeg[pos..].IndexOf(MarkerPrefix) : -1;
            if (prefix < 0)
            {
                return false;
            }

            pos += prefix;
            while (pos < jpeg.Length && jpeg[pos] == MarkerPrefix)
            {
                pos++;
            }

            if (pos >= jpeg.Length)
            {
                return false;
            }

            byte marker = jpeg[pos++];
            if (marker == EndOfImage)
            {
                return true;
            }

            if (marker is 0x00 or 0x01 or (>= 0xD0 and <= 0xD8))
            {
                // No length follows: a stuffed zero, TEM, a restart marker or SOI.
                continue;
            }

            if (jpeg.Length - pos < 2)
            {
                return false;
            }

            // The segment length counts its own two bytes; a smaller value still moves past them.
            pos += Math.Max(2, (int)BinaryPrimitives.ReadUInt16BigEndian(jpeg[pos..]));
            if (pos > jpeg.Length)
            {
                return false;
            }

            if (marker == StartOfScan)
            {
                pos = SkipEntropyCodedData(jpeg, pos);
            }
        }
    }

    /// <summary>The position of the first marker after a scan's entropy-coded data (or the end of the file).</summary>
    private static int SkipEntropyCodedData(ReadOnlySpan<byte> jpeg, int pos)
    {
        while (pos < jpeg.Length)
        {
            int prefix = jpeg[pos..].IndexOf(MarkerPrefix);
            if (prefix < 0 || pos + prefix + 1 >= jpeg.Length)
            {
                return jpeg.Length;
            }

            pos += prefix;
            byte next = jpeg[pos + 1];
            if (next == 0x00 || next is >= 0xD0 and <= 0xD7)
            {
                // A stuffed 0xFF data byte, or a restart marker: both belong to the scan.
                pos += 2;
            }
            else if (next == MarkerPrefix)
            {
                pos++;
            }
            else
            {
                return pos;
            }
        }

        return jpeg.Length;
    }
}
