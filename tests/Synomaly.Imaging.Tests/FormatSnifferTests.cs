using Synomaly.Contracts;
using Synomaly.Imaging.Formats;
using Synomaly.Imaging.Nifti;
using Synomaly.Imaging.Reading;
using Synomaly.Testing;

namespace Synomaly.Imaging.Tests;

public sealed class FormatSnifferTests
{
    private static string Pydicom(string name) => Path.Combine(TestPaths.Data, "formats", "dicom-samples", "pydicom", name);

    private static ScanFormat SniffFile(params string[] relative)
    {
        var path = Path.Combine([TestPaths.Data, .. relative]);
        using var stream = File.OpenRead(path);
        var head = new byte[FormatSniffer.BytesNeeded];
        int read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        return FormatSniffer.Sniff(head.AsSpan(0, read));
    }

    private static ScanFormat Sniff(byte[] bytes) => FormatSniffer.Sniff(bytes.AsSpan(0, Math.Min(bytes.Length, FormatSniffer.BytesNeeded)));

    [Fact]
    public void Recognises_real_files_by_content()
    {
        Assert.Equal(ScanFormat.Dicom, SniffFile("formats", "dicom-transfer-syntaxes", "In", "1.dcm"));
        Assert.Equal(ScanFormat.Png, SniffFile("formats", "ultrasound", "neck_input.png"));
        Assert.Equal(ScanFormat.NiftiGzip, SniffFile("formats", "nifti-samples", "colin27_ch2bet.nii.gz"));
        Assert.Equal(ScanFormat.Nifti, SniffFile("formats", "nifti-samples", "anatomical.nii"));
    }

    [Theory]
    [InlineData("no_meta.dcm")]
    [InlineData("ExplVR_BigEndNoMeta.dcm")]
    [InlineData("ExplVR_LitEndNoMeta.dcm")]
    [InlineData("rtstruct.dcm")]
    public void Dicom_data_sets_without_preamble_that_the_parser_reads_sniff_as_dicom(string name)
    {
        Assert.Equal(ScanFormat.Dicom, Sniff(File.ReadAllBytes(Pydicom(name))));
    }

    [Fact]
    public void Dicom_without_preamble_reads_through_the_scan_reader()
    {
        var markerFirst = File.ReadAllBytes(Pydicom("MR_small.dcm"))[128..];

        var strayByte = ScanReader.ReadFile(Pydicom("no_meta.dcm"));
        var dicmAtZero = ScanReader.Read(new MemoryStream(markerFirst));

        Assert.Equal(ScanFormat.Dicom, strayByte.Provenance.Format);
        Assert.Equal((128, 128), (strayByte.Width, strayByte.Height));
        Assert.Equal(ScanReader.ReadFile(Pydicom("MR_small.dcm")).Voxels, dicmAtZero.Voxels);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(41)]
    [InlineData(200)]
    [InlineData(346)]
    public void A_nifti1_file_cut_inside_its_header_sniffs_as_nifti_and_reads_as_truncated(int length)
    {
        // anatomical.nii is big endian: sizeof_hdr is 348 in that byte order.
        var cut = File.ReadAllBytes(Path.Combine(TestPaths.Data, "formats", "nifti-samples", "anatomical.nii"))[..length];

        Assert.Equal(ScanFormat.Nifti, Sniff(cut));
        Assert.Equal(ScanRejectionCode.Truncated, Assert.Throws<ScanRejectedException>(() => ScanReader.Read(new MemoryStream(cut))).Code);
    }

    [Theory]
    [InlineData(6)]
    [InlineData(300)]
    public void A_nifti2_file_cut_inside_its_header_sniffs_as_nifti_and_reads_as_truncated(int length)
    {
        var header = new NiftiHeader
        {
            Version = 2,
            Dim = [3, 2, 2, 1, 1, 1, 1, 1],
            DataType = NiftiDataType.UInt8,
            PixDim = [1, 1, 1, 1, 1, 1, 1, 1],
            VoxOffset = 544,
            SRowX = [1, 0, 0, 0],
            SRowY = [0, 1, 0, 0],
            SRowZ = [0, 0, 1, 0],
        };
        var cut = NiftiHeaderCodec.Encode(header, "")[..length];

        Assert.Equal(ScanFormat.Nifti, Sniff(cut));
        Assert.Equal(ScanRejectionCode.Truncated, Assert.Throws<ScanRejectedException>(() => ScanReader.Read(new MemoryStream(cut))).Code);
    }

    [Fact]
    public void A_nifti_size_field_alone_does_not_make_other_headers_nifti()
    {
        var nifti1 = File.ReadAllBytes(Path.Combine(TestPaths.Data, "formats", "nifti-samples", "anatomical.nii"));
        var analyze = (byte[])nifti1.Clone();
        "\0\0\0\0"u8.CopyTo(analyze.AsSpan(344));
        var impossibleDims = nifti1[..200];
        impossibleDims[40] = 0x01;
        var wrongVersionMagic = NiftiHeaderCodec.Encode(new NiftiHeader
        {
            Version = 2,
            Dim = [3, 1, 1, 1, 1, 1, 1, 1],
            PixDim = new double[8],
            DataType = NiftiDataType.UInt8,
            SRowX = new double[4],
            SRowY = new double[4],
            SRowZ = new double[4],
        }, "")[..100];
        "n+1"u8.CopyTo(wrongVersionMagic.AsSpan(4));

        Assert.Equal(ScanFormat.Unknown, Sniff(analyze));
        Assert.Equal(ScanFormat.Unknown, Sniff(analyze[..346]));
        Assert.Equal(ScanFormat.Unknown, Sniff(impossibleDims));
        Assert.Equal(ScanFormat.Unknown, Sniff(wrongVersionMagic));
    }

    [Fact]
    public void Unknown_and_empty_input_is_unknown()
    {
        Assert.Equal(ScanFormat.Unknown, FormatSniffer.Sniff([]));
        Assert.Equal(ScanFormat.Unknown, FormatSniffer.Sniff("hello world, not a scan"u8));
    }

    public static TheoryData<byte[]> NotDicom => new()
    {
        Padded([]),
        Padded([0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]),
        Padded("II*\0"u8),
        Padded("GIF89a\u0001\0\u0001\0"u8),
        Padded("BM6\0\0\0"u8),
        Padded("%PDF-1.7\n"u8),
        Padded("\u007FELF\u0002\u0001\u0001"u8),
        // A small even group but no element behind it: neither a VR nor a sane implicit length.
        Padded([0x08, 0x00, 0x10, 0x00, 0x12, 0x34, 0x56, 0x78]),
        Padded([0x00, 0x10, 0x00, 0x20, 0x01, 0x02, 0x03, 0x04]),
    };

    [Theory]
    [MemberData(nameof(NotDicom))]
    public void Other_binary_patterns_stay_unknown(byte[] bytes)
    {
        Assert.Equal(ScanFormat.Unknown, Sniff(bytes));
    }

    /// <summary>The given first bytes, then zeros up to 64 bytes.</summary>
    private static byte[] Padded(ReadOnlySpan<byte> start)
    {
        var bytes = new byte[64];
        start.CopyTo(bytes);
        return bytes;
    }
}
