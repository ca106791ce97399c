using System.Buffers.Binary;

namespace Synomaly.Imaging.Dicom;

/// <summary>
/// The facts of a JPEG stream's header, read by walking its markers up to the first scan: frame type, precision, size,
/// components and the colour markers (JFIF, Adobe). Read before decoding, so the decoder never sees an image larger
/// than the DICOM header declares or a process it cannot decode.
/// </summary>
internal sealed record JpegHeader(int FrameMarker, int Precision, int Width, int Height, byte[] ComponentIds, byte[] SamplingFactors, bool HasJfif, int? AdobeTransform)
{
    /// <summary>SOF3, SOF7, SOF11, SOF15: lossless processes (DICOM .57/.70 data, or mislabelled files).</summary>
    public bool IsLossless => FrameMarker is 0xC3 or 0xC7 or 0xCB or 0xCF;

    /// <summary>Components sampled at different resolutions: chroma subsampling, which only YCbCr data uses.</summary>
    public bool IsSubsampled => SamplingFactors.Distinct().Count() > 1;

    /// <summary>Arithmetic-coded processes (SOF9 to SOF11, SOF13 to SOF15): they can code a block in less than one bit.</summary>
    public bool IsArithmetic => FrameMarker is (>= 0xC9 and <= 0xCB) or (>= 0xCD and <= 0xCF);

    /// <summary>
    /// The 8x8 blocks (data units) of all components, each component sized by its sampling factors relative to the largest
    /// (a 4:2:0 chroma plane has a quarter of the luma's blocks). Huffman coding spends at least one bit on each block's DC
    /// coefficient, so a frame holds at least this many bits.
    /// </summary>
    public long DataUnits
    {
        get
        {
            int maxH = SamplingFactors.Max(f => Math.Max(1, f >> 4));
            int maxV = SamplingFactors.Max(f => Math.Max(1, f & 0x0F));
            long units = 0;
            foreach (byte factor in SamplingFactors)
            {
                long width = CeilingDivide((long)Width * Math.Max(1, factor >> 4), maxH);
                long height = CeilingDivide((long)Height * Math.Max(1, factor & 0x0F), maxV);
                units += CeilingDivide(width, 8) * CeilingDivide(height, 8);
            }

            return units;
        }
    }

    public static JpegHeader Read(ReadOnlySpan<byte> jpeg)
    {
        if (jpeg.Length < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8)
        {
            throw DicomRejections.Malformed("a JPEG frame does not start with an SOI marker");
        }

        int pos = 2;
        bool jfif = false;
        int? adobe = null;
        while (pos + 4 <= jpeg.Length)
        {
            if (jpeg[pos] != 0xFF)
            {
                pos++;
                continue;
            }

            int marker = jpeg[pos + 1];
            if (marker is 0xFF or 0x01 or (>= 0xD0 and <= 0xD8))
            {
                pos += marker == 0xFF ? 1 : 2;
                continue;
            }

            if (marker is 0xDA or 0xD9)
            {
                break;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(jpeg[(pos + 2)..]);
            if (length < 2 || pos + 2 + length > jpeg.Length)
            {
                throw DicomRejections.Malformed("a JPEG marker segment runs past the end of its frame");
            }

            var segment = jpeg.Slice(pos + 4, length - 2);
            if (marker == 0xE0 && segment.StartsWith("JFIF\0"u8))
            {
                jfif = true;
            }
            else if (marker == 0xEE && segment.StartsWith("Adobe"u8) && segment.Length >= 12)
            {
                adobe = segment[11];
            }
            else if (marker is >= 0xC0 and <= 0xCF and not 0xC4 and not 0xC8 and not 0xCC)
            {
                if (segment.Length < 6 || segment.Length < 6 + (3 * segment[5]))
                {
                    throw DicomRejections.Malformed("a JPEG frame header is cut off");
                }

                var ids = new byte[segment[5]];
                var sampling = new byte[segment[5]];
                for (int c = 0; c < ids.Length; c++)
                {
                    ids[c] = segment[6 + (3 * c)];
                    sampling[c] = segment[7 + (3 * c)];
                }

                return new JpegHeader(
                    marker,
                    segment[0],
                    BinaryPrimitives.ReadUInt16BigEndian(segment[3..]),
                    BinaryPrimitives.ReadUInt16BigEndian(segment[1..]),
                    ids,
                    sampling,
                    jfif,
                    adobe);
            }

            pos += 2 + length;
        }

        throw DicomRejections.Malformed("a JPEG frame has no frame header (SOF)");
    }

    private static long CeilingDivide(long value, long divisor) => (value + divisor - 1) / divisor;
}
