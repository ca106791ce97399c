using System.Buffers.Binary;

namespace Synomaly.Imaging.Dicom;

/// <summary>
/// Uncompressed pixel data: 8, 16 or 32 bits allocated, either byte order, interleaved or planar samples, and
/// YBR_FULL_422's (and YBR_PARTIAL_422's) packed Y Y Cb Cr layout (only the luma is kept, as the reader converts to grey anyway).
/// </summary>
internal static class NativePixelDecoder
{
    /// <param name="frame">Exactly one frame's bytes (<see cref="PixelDescription.NativeFrameBytes"/>).</param>
    /// <param name="bigEndian">Explicit VR big endian: 16- and 32-bit words are big endian.</param>
    public static DecodedFrame Decode(ReadOnlySpan<byte> frame, PixelDescription pixels, bool bigEndian)
    {
        int count = pixels.PixelsPerFrame;
        if (pixels.IsPacked422)
        {
            return DecodePackedLuma(frame, pixels, bigEndian);
        }

        int samples = pixels.SamplesPerPixel;
        var values = new int[count * samples];
        for (int s = 0; s < samples; s++)
        {
            for (int p = 0; p < count; p++)
            {
                // Interleaved: R G B R G B ...; planar: all R, then all G, then all B.
                int index = pixels.Planar ? (s * count) + p : (p * samples) + s;
                values[(s * count) + p] = ReadSample(frame, index, pixels.BitsAllocated, bigEndian);
            }
        }

        var color = samples == 1 ? FrameColor.Stored : pixels.Photometric.StartsWith("YBR", StringComparison.Ordinal) ? FrameColor.Ybr : FrameColor.Rgb;
        return new DecodedFrame(values, samples, color);
    }

    private static DecodedFrame DecodePackedLuma(ReadOnlySpan<byte> frame, PixelDescription pixels, bool bigEndian)
    {
        // Each pair of pixels on a row is stored as Y0 Y1 Cb Cr; an odd last column is padded to a full pair.
        int paddedColumns = pixels.Columns + (pixels.Columns % 2);
        var values = new int[pixels.PixelsPerFrame];
        for (int y = 0; y < pixels.Rows; y++)
        {
            for (int x = 0; x < pixels.Columns; x++)
            {
                int pairStart = ((y * paddedColumns) + (x & ~1)) * 2;
                values[(y * pixels.Columns) + x] = ReadSample(frame, pairStart + (x & 1), pixels.BitsAllocated, bigEndian);
            }
        }

        return new DecodedFrame(values, 1, FrameColor.Luma);
    }

    private static int ReadSample(ReadOnlySpan<byte> frame, int index, int bitsAllocated, bool bigEndian) => bitsAllocated switch
    {
        8 => frame[index],
        16 => bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(frame[(2 * index)..]) : BinaryPrimitives.ReadUInt16LittleEndian(frame[(2 * index)..]),
        _ => (int)(bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(frame[(4 * index)..]) : BinaryPrimitives.ReadUInt32LittleEndian(frame[(4 * index)..])),
    };
}
