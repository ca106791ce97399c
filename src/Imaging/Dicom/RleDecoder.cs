using System.Buffers.Binary;
using System.Globalization;

namespace Synomaly.Imaging.Dicom;

/// <summary>
/// DICOM RLE Lossless (PS3.5 annex G): a 64-byte header with up to 15 segment offsets, each segment a PackBits stream of
/// one byte plane (most significant byte first, one sample after another). Every read and write is bounds-checked;
/// a short segment leaves zeros (as lenient readers do) and is noted, an overlong one is cut at the plane size. A frame
/// too short to hold its planes at all is rejected (<see cref="Check"/>).
/// </summary>
internal static class RleDecoder
{
    /// <summary>PackBits codes at most this many bytes in one run of two bytes (a count and the byte to repeat).</summary>
    private const int LongestRun = 128;

    public static DecodedFrame Decode(ReadOnlySpan<byte> frame, PixelDescription pixels, ICollection<string> notes)
    {
        int segmentCount = Check(frame, pixels);
        int bytesPerSample = pixels.BytesPerSample;
        int planeLength = pixels.PixelsPerFrame;
        var plane = new byte[planeLength];
        var values = new int[planeLength * pixels.SamplesPerPixel];
        for (int segment = 0; segment < segmentCount; segment++)
        {
            long start = BinaryPrimitives.ReadUInt32LittleEndian(frame[(4 + (4 * segment))..]);
            long end = segment + 1 < segmentCount ? BinaryPrimitives.ReadUInt32LittleEndian(frame[(8 + (4 * segment))..]) : frame.Length;
            if (start < 64 || start > frame.Length || end < start || end > frame.Length)
            {
                throw DicomRejections.Malformed("an RLE segment offset points outside its frame");
            }

            Array.Clear(plane);
            int written = DecodeSegment(frame[(int)start..(int)end], plane);
            if (written < planeLength)
            {
                notes.Add("an RLE segment decoded short; the rest of its plane is zero");
            }

            // Combine byte planes into samples: segment = sample * bytesPerSample + byteIndex (MSB first).
            int sample = segment / bytesPerSample;
            int shift = 8 * (bytesPerSample - 1 - (segment % bytesPerSample));
            var target = values.AsSpan(sample * planeLength, planeLength);
            for (int i = 0; i < planeLength; i++)
            {
                target[i] |= plane[i] << shift;
            }
        }

        var color = pixels.SamplesPerPixel == 1 ? FrameColor.Stored : pixels.Photometric.StartsWith("YBR", StringComparison.Ordinal) ? FrameColor.Ybr : FrameColor.Rgb;
        return new DecodedFrame(values, pixels.SamplesPerPixel, color);
    }

    /// <summary>
    /// What can be checked without decoding, run on every frame before the volume is allocated: the 64-byte header, the
    /// segment count, and enough bytes for the image. A frame shorter than its segments need at PackBits' best ratio (two
    /// bytes per 128) must be short in some segment; zero-filling it would let a tiny frame declaring a huge image have the
    /// whole volume allocated, so it is Truncated. A short segment in a frame long enough for the image stays lenient.
    /// </summary>
    /// <returns>The number of segments.</returns>
    public static int Check(ReadOnlySpan<byte> frame, PixelDescription pixels)
    {
        if (frame.Length < 64)
        {
            throw DicomRejections.Truncated("an RLE frame is shorter than its 64-byte header");
        }

        int segmentCount = (int)BinaryPrimitives.ReadUInt32LittleEndian(frame);
        int expected = pixels.SamplesPerPixel * pixels.BytesPerSample;
        if (segmentCount != expected)
        {
            throw DicomRejections.Malformed(string.Create(CultureInfo.InvariantCulture, $"an RLE frame has {segmentCount} segments where {expected} were expected"));
        }

        long needed = 64 + ((long)segmentCount * 2 * ((pixels.PixelsPerFrame + LongestRun - 1) / LongestRun));
        if (frame.Length < needed)
        {
            throw DicomRejections.Truncated(string.Create(CultureInfo.InvariantCulture,
                $"an RLE frame of {frame.Length} bytes cannot hold a {pixels.Columns}x{pixels.Rows} image (at least {needed} bytes)"));
        }

        return segmentCount;
    }

    /// <summary>PackBits: n in 0..127 copies n+1 literal bytes, n in -127..-1 repeats the next byte 1-n times, -128 is a no-op.</summary>
    private static int DecodeSegment(ReadOnlySpan<byte> source, Span<byte> plane)
    {
        int read = 0;
        int written = 0;
        while (read < source.Length && written < plane.Length)
        {
            int n = (sbyte)source[read++];
            if (n >= 0)
            {
                int count = Math.Min(n + 1, Math.Min(source.Length - read, plane.Length - written));
                source.Slice(read, count).CopyTo(plane[written..]);
                read += n + 1;
                written += count;
            }
            else if (n != -128)
            {
                if (read >= source.Length)
                {
                    break;
                }

                int count = Math.Min(1 - n, plane.Length - written);
                plane.Slice(written, count).Fill(source[read++]);
                written += count;
            }
        }

        return written;
    }
}
