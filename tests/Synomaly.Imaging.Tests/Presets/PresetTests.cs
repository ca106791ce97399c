using Synomaly.Contracts;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Reading;
using Synomaly.Imaging.Volumes;
using Synomaly.Testing;

namespace Synomaly.Imaging.Tests.Presets;

public sealed class PresetTests
{
    private static Volume Read(params string[] parts) => ScanReader.ReadFile(Path.Combine([TestPaths.Data, .. parts]));

    private static Volume Synthetic(float[] voxels, int width, int height, int depth, ScanFormat format, double[]? affine = null) =>
        new(voxels, width, height, depth, new VolumeGeometry(1, 1, 1, affine ?? VolumeGeometry.Unit().Affine), Modality.Unknown, new VolumeProvenance { Format = format });

    private static void AssertModelInput(ModelSlice slice, int size)
    {
        Assert.Equal(size * size, slice.Pixels.Length);
        Assert.Equal(size * size, slice.Foreground.Length);
        Assert.Equal(-1f, slice.Pixels.Min());
        Assert.Equal(1f, slice.Pixels.Max());
    }

    [Fact]
    public void Brain_preset_selects_central_slices_of_a_volume_and_scales_each_to_minus_one_one()
    {
        var colin = Read("formats", "nifti-samples", "colin27_ch2bet.nii.gz");

        var prepared = new BrainMriPreset().Prepare(colin, TestContext.Current.CancellationToken);

        Assert.InRange(prepared.Slices.Count, 10, colin.Depth / 2);
        Assert.All(prepared.Slices, s => AssertModelInput(s, 128));
        Assert.All(prepared.Slices, s => Assert.True(s.Layout.FlipRows, "RAS+ storage is shown anterior up"));
        int middle = colin.Depth / 2;
        Assert.InRange(prepared.Slices.Select(s => s.SourceSlice).Average(), middle - 30, middle + 30);
        Assert.All(prepared.Slices, s => Assert.InRange(s.Foreground.Count(f => f), 2000, 14000));
    }

    [Fact]
    public void Brain_preset_foreground_keeps_a_dark_lesion_inside_the_head()
    {
        // A 32 x 32 "head": a bright disc of radius 12 with a lesion of radius 4 at its centre as dark as the air around it.
        // Thresholding alone would cut the lesion out of the foreground, and with it the anomaly map where it matters.
        var voxels = new float[32 * 32];
        for (int y = 0; y < 32; y++)
        {
            for (int x = 0; x < 32; x++)
            {
                double r = Math.Sqrt(((x - 15.5) * (x - 15.5)) + ((y - 15.5) * (y - 15.5)));
                voxels[(y * 32) + x] = r < 4 ? 0f : r < 12 ? 200f : 0f;
            }
        }

        var prepared = new BrainMriPreset { ModelSize = 32 }.Prepare(Synthetic(voxels, 32, 32, 1, ScanFormat.Png), TestContext.Current.CancellationToken);

        var slice = Assert.Single(prepared.Slices);
        Assert.Equal(-1f, slice.Pixels[(16 * 32) + 16]);
        Assert.True(slice.Foreground[(16 * 32) + 16], "the dark lesion at the centre is inside the head");
        Assert.False(slice.Foreground[0], "the air in the corner is not");
    }

    [Fact]
    public void Brain_preset_takes_the_single_slice_of_a_png_as_stored()
    {
        var png = Read("brain-mri-ixi-t1", "train", "sub-IXI002_ses-M00_T1w_space-MNI152NLin2009cSym_res-1x1x1_T1w.png");

        var prepared = new BrainMriPreset { ModelSize = 64 }.Prepare(png, TestContext.Current.CancellationToken);

        var slice = Assert.Single(prepared.Slices);
        AssertModelInput(slice, 64);
        Assert.False(slice.Layout.FlipRows);
        Assert.Equal(PixelRect.Full(197, 233), slice.Crop);
    }

    [Fact]
    public void A_dicom_slice_without_orientation_is_used_as_stored()
    {
        // A Secondary Capture with no ImageOrientationPatient and a bright band in its top ten rows.
        var pixels = new byte[40 * 40];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)(i < 10 * 40 ? 200 : 20 + (i % 7));
        }

        var file = new Dicom.DicomBuilder().ImageModule(40, 40, 8, 8, signed: false, "MONOCHROME2", sopClass: "1.2.840.10008.5.1.4.1.1.7", modality: "OT")
            .PixelData(pixels).Build();
        var volume = Dicom.DicomTestFiles.Read(file);

        var slice = Assert.Single(new BrainMriPreset { ModelSize = 32 }.Prepare(volume, TestContext.Current.CancellationToken).Slices);

        Assert.False(slice.Layout.FlipRows);
        Assert.True(slice.Pixels[(0 * 32) + 16] > 0.9f, "the band stays at the top of the model input");
        Assert.True(slice.Pixels[(31 * 32) + 16] < -0.5f, "the bottom stays dark");
    }

    [Fact]
    public void Mapping_the_model_input_back_puts_structures_where_they_were_in_the_source()
    {
        // A bright block in source rows 0-9 (posterior in RAS+, shown at the bottom after the display flip).
        var voxels = new float[40 * 40 * 3];
        for (int z = 0; z < 3; z++)
        {
            for (int y = 0; y < 10; y++)
            {
                for (int x = 5; x < 15; x++)
                {
                    voxels[(z * 1600) + (y * 40) + x] = 100;
                }
            }
        }

        var volume = Synthetic(voxels, 40, 40, 3, ScanFormat.Nifti);
        var prepared = new BrainMriPreset { SliceRange = (1, 1), ModelSize = 32 }.Prepare(volume, TestContext.Current.CancellationToken);

        var slice = Assert.Single(prepared.Slices);
        Assert.True(slice.Layout.FlipRows);
        Assert.True(slice.Pixels[(31 * 32) + 8] > 0.9f, "the block is at the bottom of the model input");
        var back = prepared.MapToSource([slice.Pixels.Select(p => (p + 1) / 2).ToArray()]);

        Assert.Equal(voxels.Length, back.Length);
        Assert.True(back[1600 + (2 * 40) + 10] > 0.9f, "inside the block");
        Assert.True(back[1600 + (30 * 40) + 30] < 0.1f, "far from the block");
        Assert.All(back.AsSpan(0, 1600).ToArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Ct_preset_windows_hounsfield_units_to_the_organ_range()
    {
        // Left third air, middle third liver-like tissue at 75 HU, right third bone.
        var voxels = new float[30 * 30];
        for (int i = 0; i < voxels.Length; i++)
        {
            voxels[i] = (i % 30) switch { < 10 => -1000f, < 20 => 75f, _ => 1000f };
        }

        var prepared = new CtPreset { ModelSize = 30 }.Prepare(Synthetic(voxels, 30, 30, 1, ScanFormat.Nifti), TestContext.Current.CancellationToken);

        var slice = Assert.Single(prepared.Slices);
        Assert.Equal(-1f, slice.Pixels[(15 * 30) + 2], 5);
        Assert.Equal(0f, slice.Pixels[(15 * 30) + 15], 5);
        Assert.Equal(1f, slice.Pixels[(15 * 30) + 27], 5);
        Assert.True(slice.Foreground[(15 * 30) + 15]);
        Assert.False(slice.Foreground[(15 * 30) + 2]);
    }

    [Fact]
    public void Ct_preset_on_the_abdominal_ct_skips_slices_without_tissue_in_the_window()
    {
        var ct = Read("formats", "ct-abdomen", "example_ct.nii.gz");

        var prepared = new CtPreset().Prepare(ct, TestContext.Current.CancellationToken);

        Assert.InRange(prepared.Slices.Count, 1, ct.Depth);
        Assert.All(prepared.Slices, s => Assert.InRange(s.Pixels.Min(), -1f, -1f));
        var map = prepared.MapToSource([.. prepared.Slices.Select(_ => Enumerable.Repeat(1f, 128 * 128).ToArray())]);
        Assert.Equal(ct.Voxels.Length, map.Length);
        Assert.Equal(prepared.Slices.Count * ct.SliceLength, map.Count(v => Math.Abs(v - 1f) < 1e-5));
    }

    [Fact]
    public void Ultrasound_preset_crops_burned_in_ui_bands()
    {
        // 100x80 frame: a 15-row black band with sparse "text" on top, speckle below.
        var random = new Random(3);
        var frame = new float[100 * 80];
        for (int y = 0; y < 80; y++)
        {
            for (int x = 0; x < 100; x++)
            {
                frame[(y * 100) + x] = y < 15 ? (x % 17 == 0 && y % 4 == 1 ? 255 : 0) : 40 + random.Next(150);
            }
        }

        var preset = new UltrasoundPreset { ModelSize = 32 };
        var prepared = preset.Prepare(Synthetic(frame, 100, 80, 1, ScanFormat.Png), TestContext.Current.CancellationToken);

        var slice = Assert.Single(prepared.Slices);
        // The band ends at row 15; the crop follows the 4-pixel block grid.
        Assert.Equal(new PixelRect(0, 16, 100, 64), slice.Crop);
        AssertModelInput(slice, 32);
        var back = prepared.MapToSource([Enumerable.Repeat(1f, 32 * 32).ToArray()]);
        Assert.Equal(0f, back[(5 * 100) + 50]);
        Assert.Equal(1f, back[(40 * 100) + 50], 5);
    }

    [Fact]
    public void Ultrasound_preset_finds_the_sector_of_an_echo_cine_without_its_text_and_ecg()
    {
        var cine = Read("formats", "ultrasound", "US-PAL-8-10x-echo.dcm");

        var prepared = new UltrasoundPreset().Prepare(cine, TestContext.Current.CancellationToken);

        Assert.Equal(cine.Depth, prepared.Slices.Count);
        var crop = prepared.Slices[0].Crop;
        // The sector spans roughly x 120-450 and y 100-330 of the 600x430 frame; text sits at x < 110 and the grey
        // scale at x > 540; the ECG trace runs along y > 360.
        Assert.InRange(crop.X, 100, 200);
        Assert.InRange(crop.X + crop.Width, 400, 530);
        Assert.InRange(crop.Y, 60, 130);
        Assert.InRange(crop.Y + crop.Height, 300, 360);
        Assert.All(prepared.Slices, s => AssertModelInput(s, 128));
    }

    [Fact]
    public void Ultrasound_preset_crops_around_a_known_vessel_with_a_margin()
    {
        var neck = Read("formats", "ultrasound", "neck_input.png");
        var vessel = new PixelRect(240, 100, 100, 110);

        var prepared = new UltrasoundPreset { VesselRegion = vessel }.Prepare(neck, TestContext.Current.CancellationToken);

        var slice = Assert.Single(prepared.Slices);
        Assert.Equal(new PixelRect(225, 83, 130, 144), slice.Crop);
        AssertModelInput(slice, 128);
    }

    [Fact]
    public void Presets_follow_the_hint_then_the_file_modality()
    {
        Assert.IsType<CtPreset>(ModalityPresets.For(ModalityHint.LiverCt, Modality.MR));
        Assert.IsType<UltrasoundPreset>(ModalityPresets.For(ModalityHint.Auto, Modality.US));
        Assert.IsType<BrainMriPreset>(ModalityPresets.For(ModalityHint.Auto, Modality.Unknown));
    }

    [Fact]
    public void The_modality_a_model_was_trained_for_decides_for_files_that_state_none_or_the_same()
    {
        Assert.IsType<CtPreset>(ModalityPresets.For(ModalityHint.Auto, Modality.Unknown, 64, trainedFor: ModalityHint.LiverCt));
        Assert.IsType<UltrasoundPreset>(ModalityPresets.For(ModalityHint.Auto, Modality.Other, 64, trainedFor: ModalityHint.CarotidUltrasound));
        Assert.IsType<BrainMriPreset>(ModalityPresets.For(ModalityHint.BrainMri, Modality.MR, 64, trainedFor: ModalityHint.BrainMri));
        Assert.IsType<CtPreset>(ModalityPresets.For(ModalityHint.Auto, Modality.CT, 64, trainedFor: ModalityHint.Auto));
    }

    [Theory]
    [InlineData(Modality.CT, ModalityHint.BrainMri, "CT", "brain-mri")]
    [InlineData(Modality.US, ModalityHint.BrainMri, "US", "brain-mri")]
    [InlineData(Modality.MR, ModalityHint.LiverCt, "MR", "liver-ct")]
    [InlineData(Modality.CT, ModalityHint.CarotidUltrasound, "CT", "carotid-us")]
    public void A_file_stating_another_modality_than_the_model_was_trained_for_is_rejected_naming_both(Modality stated, ModalityHint trainedFor, string file, string model)
    {
        var error = Assert.Throws<ScanRejectedException>(() => ModalityPresets.For(ModalityHint.Auto, stated, 64, trainedFor));

        Assert.Equal(ScanRejectionCode.ModalityMismatch, error.Code);
        Assert.Contains(file, error.Message, StringComparison.Ordinal);
        Assert.Contains(model, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_hint_naming_another_modality_than_the_model_was_trained_for_is_rejected_naming_both()
    {
        var error = Assert.Throws<ScanRejectedException>(() => ModalityPresets.For(ModalityHint.BrainMri, Modality.Unknown, 64, ModalityHint.LiverCt));

        Assert.Equal(ScanRejectionCode.ModalityMismatch, error.Code);
        Assert.Contains("brain-mri", error.Message, StringComparison.Ordinal);
        Assert.Contains("liver-ct", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mask_to_source_thresholds_the_mapped_mask_and_keeps_the_nifti_grid()
    {
        var anatomical = Read("formats", "nifti-samples", "anatomical.nii");
        var prepared = new BrainMriPreset { SliceRange = (10, 12) }.Prepare(anatomical, TestContext.Current.CancellationToken);
        var masks = prepared.Slices.Select(s => s.Foreground).ToList();

        var mask = prepared.MaskToSource(masks);

        Assert.Equal(anatomical.Voxels.Length, mask.Length);
        Assert.All(mask, v => Assert.True(v is 0f or 1f));
        Assert.True(mask.Count(v => v == 1f) > 100);
        Assert.All(mask.AsSpan(0, 10 * anatomical.SliceLength).ToArray(), v => Assert.Equal(0f, v));
    }
}
