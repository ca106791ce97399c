using System.Buffers.Binary;
using System.IO.Compression;
using Synomaly.Imaging;
using Synomaly.Imaging.Dicom;

namespace Synomaly.Cli.Reliability;

/// <summary>
/// The files a hostile or broken upload portal can send, built in code so that the suite needs no fixtures: each must end
/// Failed with its own typed reason while the good jobs around it succeed. The oversize file is only oversize against the
/// intake limit the suite configures (<see cref="OversizeLimitBytes"/>), so that it stays small on disk.
/// </summary>
public static class BadInputCorpus
{
    /// <summary>The Intake__MaxScanBytes the suite runs the trigger host with.</summary>
    public const long OversizeLimitBytes = 4L * 1024 * 1024;

    private const string MrImageStorage = "1.2.840.10008.5.1.4.1.1.4";
    private const string BasicTextSr = "1.2.840.10008.5.1.4.1.1.88.11";
    private const string ExplicitVrLittleEndian = "1.2.840.10008.1.2.1";
    private const string Jpeg2000Lossless = "1.2.840.10008.1.2.4.90";

    public static IReadOnlyList<BadInput> Create()
    {
        var mr = MrImage(64, 64);
        return
        [
            new("zero-byte", ".dcm", [], "Empty", "an empty upload", RejectedAtIntake: true),
            new("wrong-magic", ".png", "this is not an image, just text with a png name"u8.ToArray(), nameof(ScanRejectionCode.UnknownFormat), "text with an image extension", RejectedAtIntake: true),
            new("truncated", ".dcm", mr[..(mr.Length * 3 / 5)], nameof(ScanRejectionCode.Truncated), "a DICOM cut off inside its pixel data", RejectedAtIntake: false),
            new("oversize", ".png", Oversize(), "TooLarge", $"larger than the intake limit ({OversizeLimitBytes} bytes)", RejectedAtIntake: true),
            new("decompression-bomb", ".png", PngBomb(16384), nameof(ScanRejectionCode.LimitExceeded), "a 16384x16384 PNG of zeros (268 MB of pixels in a few hundred KB)", RejectedAtIntake: false),
            new("jpeg2000", ".dcm", Jpeg2000Dicom(), nameof(ScanRejectionCode.UnsupportedTransferSyntax), "JPEG 2000 pixel data, which this build does not decode", RejectedAtIntake: false),
            new("structured-report", ".dcm", StructuredReport(), nameof(ScanRejectionCode.NotAnImage), "a valid DICOM SR document: no image", RejectedAtIntake: false),
        ];
    }

    /// <summary>A valid 16-bit MR slice (Explicit VR Little Endian) with a gradient, the base of the truncated file.</summary>
    public static byte[] MrImage(int rows, int columns)
    {
        var pixels = new byte[rows * columns * 2];
        for (int i = 0; i < rows * columns; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(pixels.AsSpan(i * 2), (ushort)(i % 1000));
        }

        var data = ImageDataSet(MrImageStorage, "2.25.1001", "MR", rows, columns, bitsAllocated: 16);
        data.Bytes(0x7FE0, 0x0010, "OW", pixels);
        return DicomElementWriter.Part10(Meta(MrImageStorage, "2.25.1001", ExplicitVrLittleEndian), data);
    }

    private static byte[] Jpeg2000Dicom()
    {
        var data = ImageDataSet(MrImageStorage, "2.25.1002", "MR", 64, 64, bitsAllocated: 16);
        // A JPEG 2000 codestream starts with SOC (FF4F) and SIZ (FF51); the reader must refuse the syntax before decoding.
        data.EncapsulatedPixelData([[0xFF, 0x4F, 0xFF, 0x51, 0x00, 0x29, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00, 0x00, 0x40]]);
        return DicomElementWriter.Part10(Meta(MrImageStorage, "2.25.1002", Jpeg2000Lossless), data);
    }

    private static byte[] StructuredReport()
    {
        var data = new DicomElementWriter();
        data.Text(0x0008, 0x0016, "UI", BasicTextSr);
        data.Text(0x0008, 0x0018, "UI", "2.25.1003");
        data.Text(0x0008, 0x0060, "CS", "SR");
        data.Text(0x0010, 0x0010, "PN", string.Empty);
        data.Text(0x0020, 0x000D, "UI", "2.25.1004");
        data.Text(0x0020, 0x000E, "UI", "2.25.1005");
        data.Text(0x0040, 0xA040, "CS", "CONTAINER");
        return DicomElementWriter.Part10(Meta(BasicTextSr, "2.25.1003", ExplicitVrLittleEndian), data);
    }

    private static DicomElementWriter Meta(string sopClass, string sopInstance, string transferSyntax)
    {
        var meta = new DicomElementWriter();
        meta.Bytes(0x0002, 0x0001, "OB", [0, 1]);
        meta.Text(0x0002, 0x0002, "UI", sopClass);
        meta.Text(0x0002, 0x0003, "UI", sopInstance);
        meta.Text(0x0002, 0x0010, "UI", transferSyntax);
        meta.Text(0x0002, 0x0012, "UI", "2.25.94230412877391204726317245893251173412");
        return meta;
    }

    private static DicomElementWriter ImageDataSet(string sopClass, string sopInstance, string modality, int rows, int columns, ushort bitsAllocated)
    {
        var data = new DicomElementWriter();
        data.Text(0x0008, 0x0016, "UI", sopClass);
        data.Text(0x0008, 0x0018, "UI", sopInstance);
        data.Text(0x0008, 0x0060, "CS", modality);
        data.Text(0x0020, 0x000D, "UI", sopInstance + ".1");
        data.Text(0x0020, 0x000E, "UI", sopInstance + ".2");
        data.UShort(0x0028, 0x0002, 1);
        data.Text(0x0028, 0x0004, "CS", "MONOCHROME2");
        data.UShort(0x0028, 0x0010, checked((ushort)rows));
        data.UShort(0x0028, 0x0011, checked((ushort)columns));
        data.UShort(0x0028, 0x0100, bitsAllocated);
        data.UShort(0x0028, 0x0101, bitsAllocated);
        data.UShort(0x0028, 0x0102, (ushort)(bitsAllocated - 1));
        data.UShort(0x0028, 0x0103, 0);
        return data;
    }

    /// <summary>A PNG signature followed by filler: intake refuses it on size alone, before reading a byte of it.</summary>
    private static byte[] Oversize()
    {
        var bytes = new byte[OversizeLimitBytes + 1024];
        PngSignature.CopyTo(bytes);
        return bytes;
    }

    private static ReadOnlySpan<byte> PngSignature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>A square 8-bit greyscale PNG of zeros: deflate shrinks it about a thousandfold.</summary>
    private static byte[] PngBomb(int size)
    {
        using var png = new MemoryStream();
        png.Write(PngSignature);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, size);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), size);
        header[8] = 8;
        PngChunks.Write(png, "IHDR", header);
        using (var compressed = new MemoryStream())
        {
            using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                var row = new byte[size + 1]; // filter byte 0 (none) and the pixels
                for (int y = 0; y < size; y++)
                {
                    zlib.Write(row);
                }
            }

            PngChunks.Write(png, "IDAT", compressed.ToArray());
        }

        PngChunks.Write(png, "IEND", []);
        return png.ToArray();
    }
}
