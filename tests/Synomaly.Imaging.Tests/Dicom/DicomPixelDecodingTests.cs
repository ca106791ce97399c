using System.Buffers.Binary;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Tests.Dicom;

/// <summary>Pixel decoding rules on small synthetic files whose right answer is known by construction.</summary>
public sealed class DicomPixelDecodingTests
{
    private static byte[] Words(params ushort[] values)
    {
        var bytes = new byte[2 * values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), values[i]);
        }

        return bytes;
    }

    [Fact]
    public void Bits_above_bits_stored_are_masked_off()
    {
        var file = new DicomBuilder().ImageModule(1, 3, 16, 12, signed: false, "MONOCHROME2")
            .PixelData(Words(0xF123, 0x0FFF, 0xA000)).Build();

        Assert.Equal([0x123, 0xFFF, 0], DicomTestFiles.Read(file).Voxels.Select(v => (int)v));
    }

    [Fact]
    public void Signed_samples_are_sign_extended_from_bits_stored()
    {
        var file = new DicomBuilder().ImageModule(1, 4, 16, 12, signed: true, "MONOCHROME2")
            .PixelData(Words(0xFFFF, 0x0800, 0x07FF, 0xF001)).Build();

        Assert.Equal([-1f, -2048f, 2047f, 1f], DicomTestFiles.Read(file).Voxels);
    }

    [Fact]
    public void A_high_bit_above_bits_stored_minus_one_shifts_the_samples_down()
    {
        var file = new DicomBuilder()
            .Text(0x0008, 0x0016, "UI", "1.2.840.10008.5.1.4.1.1.7")
            .UShort(0x0028, 0x0002, 1).Text(0x0028, 0x0004, "CS", "MONOCHROME2")
            .UShort(0x0028, 0x0010, 1).UShort(0x0028, 0x0011, 2)
            .UShort(0x0028, 0x0100, 16).UShort(0x0028, 0x0101, 8).UShort(0x0028, 0x0102, 11).UShort(0x0028, 0x0103, 0)
            .PixelData(Words(0x0FF0, 0xF01F)).Build();

        Assert.Equal([255f, 1f], DicomTestFiles.Read(file).Voxels);
    }

    [Fact]
    public void Rescale_slope_and_intercept_give_physical_units()
    {
        var file = new DicomBuilder().ImageModule(1, 2, 16, 16, signed: false, "MONOCHROME2", modality: "CT")
            .Text(0x0028, 0x1052, "DS", "-1024").Text(0x0028, 0x1053, "DS", "2")
            .PixelData(Words(0, 1000)).Build();

        var volume = DicomTestFiles.Read(file);
        Assert.Equal([-1024f, 976f], volume.Voxels);
        Assert.Equal(Modality.CT, volume.Modality);
    }

    [Theory]
    [InlineData("1E36", "0")]
    [InlineData("1", "-9E38")]
    public void A_rescale_that_carries_stored_values_past_float_range_is_rejected_as_malformed(string slope, string intercept)
    {
        var file = new DicomBuilder().ImageModule(1, 2, 16, 16, signed: false, "MONOCHROME2", modality: "CT")
            .Text(0x0028, 0x1052, "DS", intercept).Text(0x0028, 0x1053, "DS", slope)
            .PixelData(Words(0, 1000)).Build();

        var error = Assert.Throws<ScanRejectedException>(() => DicomTestFiles.Read(file));

        Assert.Equal(ScanRejectionCode.Malformed, error.Code);
        Assert.Contains("RescaleSlope and RescaleIntercept", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Monochrome1_is_inverted_within_its_range()
    {
        var file = new DicomBuilder().ImageModule(1, 3, 8, 8, signed: false, "MONOCHROME1").PixelData([0, 200, 255, 0]).Build();

        Assert.Equal([255f, 55f, 0f], DicomTestFiles.Read(file).Voxels);
    }

    [Fact]
    public void Planar_and_interleaved_rgb_give_the_same_luminance()
    {
        byte[] interleaved = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30];
        byte[] planar = [255, 0, 0, 10, 0, 255, 0, 20, 0, 0, 255, 30];
        Volume Read(byte[] pixels, ushort planarConfiguration) => DicomTestFiles.Read(new DicomBuilder()
            .ImageModule(2, 2, 8, 8, signed: false, "RGB", samples: 3)
            .UShort(0x0028, 0x0006, planarConfiguration)
            .PixelData(pixels).Build());

        var a = Read(interleaved, 0);
        var b = Read(planar, 1);

        Assert.Equal(a.Voxels, b.Voxels);
        Assert.Equal(0.299f * 255, a.Voxels[0], 3);
        Assert.Equal(0.587f * 255, a.Voxels[1], 3);
        Assert.Equal((0.299f * 10) + (0.587f * 20) + (0.114f * 30), a.Voxels[3], 3);
    }

    [Fact]
    public void Rgb_frames_keep_their_blue_channel_for_the_ultrasound_preset_in_frame_order()
    {
        byte[] frames = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        var volume = DicomTestFiles.Read(new DicomBuilder("1.2.840.10008.1.2")
            .ImageModule(2, 2, 8, 8, signed: false, "RGB", samples: 3, frames: 2)
            .PixelData(frames).Build());

        Assert.Equal([0f, 0, 255, 30, 3, 6, 9, 12], Assert.IsType<float[]>(volume.BlueChannel));
    }

    [Fact]
    public void Full_range_ycbcr_frames_give_the_blue_of_their_rgb_clamped_to_the_sample_range()
    {
        // B = Y + 1.772 (Cb - 128): 100 + 1.772 * 72 = 227.58; 100 - 1.772 * 128 < 0; grey (Cb 128) is Y.
        var volume = DicomTestFiles.Read(new DicomBuilder()
            .ImageModule(1, 3, 8, 8, signed: false, "YBR_FULL", samples: 3)
            .PixelData([100, 200, 128, 100, 0, 128, 77, 128, 128]).Build());

        Assert.Equal([228f, 0, 77], Assert.IsType<float[]>(volume.BlueChannel));
        Assert.Equal([100f, 100, 77], volume.Voxels);
    }

    [Theory]
    [InlineData("YBR_FULL_422", 3)]
    [InlineData("MONOCHROME2", 1)]
    public void Frames_without_their_colour_have_no_blue_channel(string photometric, int samples)
    {
        // 4:2:2 packed frames are read as luma only, without the chroma a blue channel needs.
        byte[] pixels = [16, 100, 128, 128, 200, 235, 128, 128];
        var volume = DicomTestFiles.Read(new DicomBuilder()
            .ImageModule(1, 4, 8, 8, signed: false, photometric, samples: samples)
            .PixelData(pixels[..(samples == 3 ? 8 : 4)]).Build());

        Assert.Null(volume.BlueChannel);
    }

    [Theory]
    [InlineData("YBR_FULL_422")]
    [InlineData("YBR_PARTIAL_422")]
    public void Uncompressed_4_2_2_packing_keeps_the_luma_of_each_pixel(string photometric)
    {
        // Two pixels per four bytes: Y1 Y2 Cb Cr. The retired YBR_PARTIAL_422 is packed the same way (it was read as three
        // bytes per pixel and called truncated).
        var volume = DicomTestFiles.Read(new DicomBuilder()
            .ImageModule(1, 4, 8, 8, signed: false, photometric, samples: 3)
            .PixelData([16, 100, 128, 128, 200, 235, 128, 128]).Build());

        Assert.Equal([16f, 100, 200, 235], volume.Voxels);
    }

    [Fact]
    public void Palette_indices_map_through_the_luts_to_luminance_and_clamp()
    {
        // Four 16-bit entries starting at index 10: black, red, green, white.
        ushort[] red = [0, 65535, 0, 65535], green = [0, 0, 65535, 65535], blue = [0, 0, 0, 65535];
        var builder = new DicomBuilder().ImageModule(1, 5, 8, 8, signed: false, "PALETTE COLOR");
        builder.UShort(0x0028, 0x1101, 4, 10, 16).UShort(0x0028, 0x1102, 4, 10, 16).UShort(0x0028, 0x1103, 4, 10, 16);
        builder.Add(0x0028, 0x1201, "OW", Words(red)).Add(0x0028, 0x1202, "OW", Words(green)).Add(0x0028, 0x1203, "OW", Words(blue));
        var file = builder.PixelData([10, 11, 12, 13, 2, 0]).Build();

        var voxels = DicomTestFiles.Read(file).Voxels;

        Assert.Equal(0f, voxels[0]);
        Assert.Equal(0.299f * 255, voxels[1], 1);
        Assert.Equal(0.587f * 255, voxels[2], 1);
        Assert.Equal(255f, voxels[3], 1);
        Assert.Equal(0f, voxels[4]); // index 2 is below the first mapped value: clamps to the first entry
    }

    [Fact]
    public void Palette_indices_keep_the_blue_of_their_colour_for_the_ultrasound_preset()
    {
        // The same four entries; a partly blue one (0x8080 = 128 after the 16-bit scaling by 257) shows that blue is its own table.
        ushort[] red = [0, 65535, 0, 65535], green = [0, 0, 65535, 65535], blue = [0, 0x8080, 0, 65535];
        var builder = new DicomBuilder().ImageModule(1, 5, 8, 8, signed: false, "PALETTE COLOR");
        builder.UShort(0x0028, 0x1101, 4, 10, 16).UShort(0x0028, 0x1102, 4, 10, 16).UShort(0x0028, 0x1103, 4, 10, 16);
        builder.Add(0x0028, 0x1201, "OW", Words(red)).Add(0x0028, 0x1202, "OW", Words(green)).Add(0x0028, 0x1203, "OW", Words(blue));
        var file = builder.PixelData([10, 11, 12, 13, 200, 0]).Build();

        var volume = DicomTestFiles.Read(file);

        // Index 200 is past the last entry: it clamps to white, as luminance does.
        Assert.Equal([0f, 128, 0, 255, 255], Assert.IsType<float[]>(volume.BlueChannel));
    }

    [Fact]
    public void Eight_bit_samples_in_a_big_endian_ow_value_are_unswapped()
    {
        var file = new DicomBuilder("1.2.840.10008.1.2.2").ImageModule(1, 4, 8, 8, signed: false, "MONOCHROME2")
            .PixelData([2, 1, 4, 3]).Build();

        Assert.Equal([1f, 2f, 3f, 4f], DicomTestFiles.Read(file).Voxels);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Eight_bit_big_endian_ow_frames_with_an_odd_pixel_count_are_unswapped_across_the_whole_value(int frames)
    {
        // 3x3 frames: the value's 16-bit words straddle the frames (and the last holds a pad byte).
        var pixels = Enumerable.Range(1, 9 * frames).Select(v => (byte)v).ToList();
        var padded = pixels.Count % 2 == 1 ? [.. pixels, 0] : pixels;
        var stored = padded.Chunk(2).SelectMany(word => word.Reverse()).ToArray();
        var file = new DicomBuilder("1.2.840.10008.1.2.2").ImageModule(3, 3, 8, 8, signed: false, "MONOCHROME2", frames: frames)
            .PixelData(stored).Build();

        var volume = DicomTestFiles.Read(file);

        Assert.Equal(frames, volume.Depth);
        Assert.Equal(pixels.Select(v => (float)v), volume.Voxels);
    }

    [Fact]
    public void Frames_of_a_multi_frame_file_become_slices_in_order()
    {
        var file = new DicomBuilder("1.2.840.10008.1.2").ImageModule(2, 2, 8, 8, signed: false, "MONOCHROME2", frames: 3)
            .PixelData([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]).Build();

        var volume = DicomTestFiles.Read(file);

        Assert.Equal(3, volume.Depth);
        Assert.Equal([1f, 2f, 3f], Enumerable.Range(0, 3).Select(z => volume[1, 1, z]));
    }

    [Fact]
    public void Rle_frames_in_fragments_decode_with_literal_and_repeat_runs()
    {
        // One segment: literal run of 2 (5, 6), then a repeat run of 2 (9, 9).
        byte[] segment = [1, 5, 6, 0xFF, 9];
        var frame = new byte[64 + segment.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(frame, 1);
        BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(4), 64);
        segment.CopyTo(frame, 64);
        var file = new DicomBuilder("1.2.840.10008.1.2.5").ImageModule(2, 2, 8, 8, signed: false, "MONOCHROME2", frames: 2)
            .Encapsulated(frame, frame).Build();

        var volume = DicomTestFiles.Read(file);

        Assert.Equal([5f, 6f, 9f, 9f, 5f, 6f, 9f, 9f], volume.Voxels);
    }

    [Fact]
    public void Orientation_and_position_become_a_ras_affine()
    {
        var file = new DicomBuilder().ImageModule(2, 2, 8, 8, signed: false, "MONOCHROME2", sopClass: "1.2.840.10008.5.1.4.1.1.4", modality: "MR")
            .Text(0x0018, 0x0050, "DS", "3")
            .Text(0x0020, 0x0032, "DS", "10\\20\\30")
            .Text(0x0020, 0x0037, "DS", "0\\1\\0\\0\\0\\-1")
            .Text(0x0028, 0x0030, "DS", "0.5\\0.25")
            .PixelData([0, 0, 0, 0]).Build();

        var geometry = DicomTestFiles.Read(file).Geometry;

        // Sagittal: rows run anterior-to-posterior (+y LPS), columns downwards (-z); normal = row x column = (-1, 0, 0).
        // x spacing is the column spacing (0.25), y the row spacing (0.5); LPS -> RAS negates the first two rows.
        double[] expected =
        [
            0, 0, 3, -10,
            -0.25, 0, 0, -20,
            0, -0.5, 0, 30,
            0, 0, 0, 1,
        ];
        Assert.Equal(expected, geometry.Affine.Select(v => Math.Round(v, 9) + 0.0));
        Assert.Equal((0.25, 0.5, 3.0), (geometry.SpacingX, geometry.SpacingY, geometry.SpacingZ));
    }

    private static byte[] Ds(ushort group, ushort element, string text) =>
        DicomBuilder.Element(group, element, "DS", System.Text.Encoding.ASCII.GetBytes(text.Length % 2 == 0 ? text : text + " "), false, false);

    /// <summary>A sequence of defined length holding one item per argument (each the concatenated elements of the item).</summary>
    private static byte[] Sq(ushort group, ushort element, params byte[][] items) =>
        DicomBuilder.Element(group, element, "SQ", [.. items.SelectMany(DicomBuilder.Item)], false, false);

    /// <summary>
    /// An enhanced MR object of 2x2 8-bit frames, axial in the shared groups; each frame has its own position, may have its
    /// own orientation, and is filled with one value.
    /// </summary>
    private static byte[] EnhancedFrames(params (string Position, string? Orientation, byte Fill)[] frames)
    {
        var shared = Sq(0x5200, 0x9229, Sq(0x0020, 0x9116, Ds(0x0020, 0x0037, "1\\0\\0\\0\\1\\0")));
        var perFrame = Sq(0x5200, 0x9230, [.. frames.Select(f => (byte[])[
            .. Sq(0x0020, 0x9113, Ds(0x0020, 0x0032, f.Position)),
            .. f.Orientation is null ? [] : Sq(0x0020, 0x9116, Ds(0x0020, 0x0037, f.Orientation)),
        ])]);
        return new DicomBuilder().ImageModule(2, 2, 8, 8, signed: false, "MONOCHROME2", frames: frames.Length, sopClass: "1.2.840.10008.5.1.4.1.1.4.1", modality: "MR")
            .Raw(shared).Raw(perFrame).PixelData([.. frames.SelectMany(f => Enumerable.Repeat(f.Fill, 4))]).Build();
    }

    [Fact]
    public void Enhanced_multi_frame_geometry_comes_from_the_functional_groups()
    {
        var shared = Sq(0x5200, 0x9229, [.. Sq(0x0028, 0x9110, Ds(0x0028, 0x0030, "0.8\\0.8")), .. Sq(0x0020, 0x9116, Ds(0x0020, 0x0037, "1\\0\\0\\0\\1\\0"))]);
        var perFrame = Sq(0x5200, 0x9230, Sq(0x0020, 0x9113, Ds(0x0020, 0x0032, "0\\0\\0")), Sq(0x0020, 0x9113, Ds(0x0020, 0x0032, "0\\0\\4")));
        var file = new DicomBuilder().ImageModule(2, 2, 8, 8, signed: false, "MONOCHROME2", frames: 2, sopClass: "1.2.840.10008.5.1.4.1.1.4.1", modality: "MR")
            .Raw(shared).Raw(perFrame).PixelData([1, 1, 1, 1, 2, 2, 2, 2]).Build();

        var geometry = DicomTestFiles.Read(file).Geometry;

        Assert.Equal((0.8, 0.8, 4.0), (geometry.SpacingX, geometry.SpacingY, geometry.SpacingZ));
        Assert.Equal(4.0, geometry.Affine[10], 9);
    }

    [Fact]
    public void Per_frame_rescales_of_an_enhanced_object_apply_to_their_own_frames()
    {
        // Only the per-frame Pixel Value Transformation groups carry a rescale, and the two frames differ.
        var shared = Sq(0x5200, 0x9229, Sq(0x0020, 0x9116, Ds(0x0020, 0x0037, "1\\0\\0\\0\\1\\0")));
        var perFrame = Sq(
            0x5200,
            0x9230,
            [.. Sq(0x0020, 0x9113, Ds(0x0020, 0x0032, "0\\0\\0")), .. Sq(0x0028, 0x9145, [.. Ds(0x0028, 0x1052, "-10"), .. Ds(0x0028, 0x1053, "2")])],
            [.. Sq(0x0020, 0x9113, Ds(0x0020, 0x0032, "0\\0\\4")), .. Sq(0x0028, 0x9145, [.. Ds(0x0028, 0x1052, "100"), .. Ds(0x0028, 0x1053, "0.5")])]);
        var file = new DicomBuilder().ImageModule(1, 2, 16, 16, signed: false, "MONOCHROME2", frames: 2, sopClass: "1.2.840.10008.5.1.4.1.1.4.1", modality: "MR")
            .Raw(shared).Raw(perFrame).PixelData(Words(10, 20, 10, 20)).Build();

        var volume = DicomTestFiles.Read(file);

        Assert.Equal([10f, 30f, 105f, 110f], volume.Voxels);
        Assert.Contains(volume.Provenance.Notes, n => n.Contains("2 different per-frame rescales", StringComparison.Ordinal));
    }

    [Fact]
    public void Frames_of_one_file_are_ordered_and_checked_like_the_slices_of_a_series()
    {
        // Stored at z = 0, 8, 4 (filled 1, 3, 2): sorted along the normal, with the 4 mm step between neighbours.
        var unordered = DicomTestFiles.Read(EnhancedFrames(("0\\0\\0", null, 1), ("0\\0\\8", null, 3), ("0\\0\\4", null, 2)));
        Assert.Equal([1f, 2f, 3f], Enumerable.Range(0, 3).Select(z => unordered[0, 0, z]));
        Assert.Equal((4.0, 0.0), (unordered.Geometry.Affine[10], unordered.Geometry.Affine[11]));

        // Two echoes at one position: refused as a series of the same frames would be.
        var echoes = DicomTestFiles.Rejection(EnhancedFrames(("0\\0\\0", null, 1), ("0\\0\\0", null, 2)));
        Assert.Equal(ScanRejectionCode.InconsistentSeries, echoes.Code);
        Assert.Contains("share a position", echoes.Message, StringComparison.Ordinal);

        // A frame in another orientation (a scout) is dropped with a note, as in a series.
        var mixed = DicomTestFiles.Read(EnhancedFrames(("0\\0\\0", null, 1), ("0\\0\\4", null, 2), ("0\\0\\2", "0\\1\\0\\0\\0\\-1", 9)));
        Assert.Equal([1f, 2f], Enumerable.Range(0, mixed.Depth).Select(z => mixed[0, 0, z]));
        Assert.Contains(mixed.Provenance.Notes, n => n.Contains("orientation other than", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("1.2.840.10008.1.2.1")]
    [InlineData("1.2.840.10008.1.2")]
    public void Ultrasound_spacing_comes_from_the_calibrated_region_in_centimetres(string syntax)
    {
        bool implicitVr = syntax == "1.2.840.10008.1.2";
        byte[] Us(ushort e, ushort v) => DicomBuilder.Element(0x0018, e, "US", BitConverter.GetBytes(v), implicitVr, false);
        byte[] Fd(ushort e, double v) => DicomBuilder.Element(0x0018, e, "FD", BitConverter.GetBytes(v), implicitVr, false);
        byte[] region = [.. Us(0x6024, 3), .. Us(0x6026, 3), .. Fd(0x602C, 0.01), .. Fd(0x602E, 0.02)];
        var regions = DicomBuilder.Element(0x0018, 0x6011, "SQ", DicomBuilder.Item(region), implicitVr, false);
        var file = new DicomBuilder(syntax).Raw(regions).ImageModule(2, 2, 8, 8, signed: false, "MONOCHROME2", sopClass: "1.2.840.10008.5.1.4.1.1.6.1", modality: "US")
            .PixelData([0, 0, 0, 0]).Build();

        var geometry = DicomTestFiles.Read(file).Geometry;

        Assert.Equal(0.1, geometry.SpacingX, 9);
        Assert.Equal(0.2, geometry.SpacingY, 9);
    }

    [Theory]
    [InlineData("1.2.840.10008.1.2.4.57", "JPEG Lossless")]
    [InlineData("1.2.840.10008.1.2.4.81", "JPEG-LS")]
    [InlineData("1.2.840.10008.1.2.4.91", "JPEG 2000")]
    [InlineData("1.2.840.10008.1.2.4.201", "High-Throughput JPEG 2000")]
    [InlineData("1.2.840.10008.1.2.4.102", "MPEG-4")]
    [InlineData("1.2.3.4.5.6", "unknown")]
    public void Undecoded_transfer_syntaxes_are_rejected_by_uid_and_name(string uid, string name)
    {
        var file = new DicomBuilder(uid).ImageModule(2, 2, 8, 8, signed: false, "MONOCHROME2").Encapsulated([0xFF, 0xD8, 0xFF, 0xD9]).Build();

        var rejection = DicomTestFiles.Rejection(file);

        Assert.Equal(ScanRejectionCode.UnsupportedTransferSyntax, rejection.Code);
        Assert.Contains(uid, rejection.Message, StringComparison.Ordinal);
        Assert.Contains(name, rejection.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, "MONOCHROME2", "bits allocated")]
    [InlineData(8, "CMYK", "CMYK")]
    [InlineData(8, "RGB", "samples per pixel")]
    public void Pixel_layouts_outside_the_decoder_are_rejected_as_unsupported(int bitsAllocated, string photometric, string named)
    {
        var file = new DicomBuilder().ImageModule(2, 2, bitsAllocated, Math.Min(bitsAllocated, 8), signed: false, photometric).PixelData([0, 0, 0, 0]).Build();

        var rejection = DicomTestFiles.Rejection(file);

        Assert.Equal(ScanRejectionCode.UnsupportedPixelFormat, rejection.Code);
        Assert.Contains(named, rejection.Message, StringComparison.OrdinalIgnoreCase);
    }
}
