namespace Synomaly.Imaging.Dicom;

/// <summary>How the pixel data of a transfer syntax is compressed, which decides the decoder (or the rejection).</summary>
internal enum PixelCompression
{
    /// <summary>Native (uncompressed) pixel data in the element value.</summary>
    None,

    /// <summary>Encapsulated but uncompressed (one fragment per frame, 1.2.840.10008.1.2.1.98).</summary>
    EncapsulatedNone,
    Rle,
    JpegBaseline,
    JpegLossless,
    JpegLs,
    Jpeg2000,
    HighThroughputJpeg2000,
    JpegXl,
    Video,

    /// <summary>A transfer syntax this reader does not know (private or retired): never guessed at.</summary>
    Unknown,
}

/// <summary>A DICOM transfer syntax: the byte order and VR encoding of the data set and the pixel compression.</summary>
internal sealed record DicomTransferSyntax(string Uid, string Name, bool ExplicitVr, bool BigEndian, bool Deflated, PixelCompression Compression)
{
    public const string ImplicitVrLittleEndianUid = "1.2.840.10008.1.2";
    public const string ExplicitVrLittleEndianUid = "1.2.840.10008.1.2.1";
    public const string ExplicitVrBigEndianUid = "1.2.840.10008.1.2.2";

    public bool IsEncapsulated => Compression is not PixelCompression.None;

    public static DicomTransferSyntax ImplicitVrLittleEndian { get; } = new(ImplicitVrLittleEndianUid, "Implicit VR Little Endian", false, false, false, PixelCompression.None);

    public static DicomTransferSyntax ExplicitVrLittleEndian { get; } = new(ExplicitVrLittleEndianUid, "Explicit VR Little Endian", true, false, false, PixelCompression.None);

    public static DicomTransferSyntax ExplicitVrBigEndian { get; } = new(ExplicitVrBigEndianUid, "Explicit VR Big Endian (retired)", true, true, false, PixelCompression.None);

    private static readonly Dictionary<string, DicomTransferSyntax> Known = new DicomTransferSyntax[]
    {
        ImplicitVrLittleEndian,
        ExplicitVrLittleEndian,
        ExplicitVrBigEndian,
        Le("1.2.840.10008.1.2.1.98", "Encapsulated Uncompressed Explicit VR Little Endian", PixelCompression.EncapsulatedNone),
        new("1.2.840.10008.1.2.1.99", "Deflated Explicit VR Little Endian", true, false, true, PixelCompression.None),
        Le("1.2.840.10008.1.2.5", "RLE Lossless", PixelCompression.Rle),
        Le("1.2.840.10008.1.2.4.50", "JPEG Baseline (Process 1)", PixelCompression.JpegBaseline),
        Le("1.2.840.10008.1.2.4.51", "JPEG Extended (Process 2 & 4)", PixelCompression.JpegBaseline),
        Le("1.2.840.10008.1.2.4.57", "JPEG Lossless, Non-Hierarchical (Process 14)", PixelCompression.JpegLossless),
        Le("1.2.840.10008.1.2.4.70", "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])", PixelCompression.JpegLossless),
        Le("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless Image Compression", PixelCompression.JpegLs),
        Le("1.2.840.10008.1.2.4.81", "JPEG-LS Lossy (Near-Lossless) Image Compression", PixelCompression.JpegLs),
        Le("1.2.840.10008.1.2.4.90", "JPEG 2000 Image Compression (Lossless Only)", PixelCompression.Jpeg2000),
        Le("1.2.840.10008.1.2.4.91", "JPEG 2000 Image Compression", PixelCompression.Jpeg2000),
        Le("1.2.840.10008.1.2.4.92", "JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)", PixelCompression.Jpeg2000),
        Le("1.2.840.10008.1.2.4.93", "JPEG 2000 Part 2 Multi-component Image Compression", PixelCompression.Jpeg2000),
        Le("1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000 Image Compression (Lossless Only)", PixelCompression.HighThroughputJpeg2000),
        Le("1.2.840.10008.1.2.4.202", "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)", PixelCompression.HighThroughputJpeg2000),
        Le("1.2.840.10008.1.2.4.203", "High-Throughput JPEG 2000 Image Compression", PixelCompression.HighThroughputJpeg2000),
        Le("1.2.840.10008.1.2.4.110", "JPEG XL Lossless", PixelCompression.JpegXl),
        Le("1.2.840.10008.1.2.4.111", "JPEG XL JPEG Recompression", PixelCompression.JpegXl),
        Le("1.2.840.10008.1.2.4.112", "JPEG XL", PixelCompression.JpegXl),
        Le("1.2.840.10008.1.2.4.100", "MPEG2 Main Profile / Main Level", PixelCompression.Video),
        Le("1.2.840.10008.1.2.4.101", "MPEG2 Main Profile / High Level", PixelCompression.Video),
        Le("1.2.840.10008.1.2.4.102", "MPEG-4 AVC/H.264 High Profile / Level 4.1", PixelCompression.Video),
        Le("1.2.840.10008.1.2.4.103", "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1", PixelCompression.Video),
        Le("1.2.840.10008.1.2.4.104", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video", PixelCompression.Video),
        Le("1.2.840.10008.1.2.4.105", "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video", PixelCompression.Video),
        Le("1.2.840.10008.1.2.4.106", "MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2", PixelCompression.Video),
        Le("1.2.840.10008.1.2.4.107", "HEVC/H.265 Main Profile / Level 5.1", PixelCompression.Video),
        Le("1.2.840.10008.1.2.4.108", "HEVC/H.265 Main 10 Profile / Level 5.1", PixelCompression.Video),
    }.ToDictionary(s => s.Uid, StringComparer.Ordinal);

    /// <summary>The transfer syntax for a UID, or an <see cref="PixelCompression.Unknown"/> one (explicit VR LE framing).</summary>
    public static DicomTransferSyntax FromUid(string uid) =>
        Known.TryGetValue(uid, out var syntax)
            ? syntax
            : new DicomTransferSyntax(uid, "unknown or retired transfer syntax", true, false, false, PixelCompression.Unknown);

    private static DicomTransferSyntax Le(string uid, string name, PixelCompression compression) => new(uid, name, true, false, false, compression);
}
