using Synomaly.Contracts;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Tests.Presets;

/// <summary>
/// The two slice layouts: this project's display layout, and the reference's nibabel <c>data[:, :, z]</c> (rows = x, no
/// flip) that the authors' checkpoints were trained on. Volumes here hold 10·x + y (+ 50·z), so every voxel says where it is.
/// </summary>
public sealed class SliceOrientationTests
{
    /// <summary>A volume whose voxel (x, y, z) holds 10·x + y + 50·z, stored RAS+ (the unit affine), as NIfTI usually is.</summary>
    private static Volume Positional(int width, int height, int depth, ScanFormat format = ScanFormat.Nifti)
    {
        var voxels = new float[width * height * depth];
        for (int z = 0; z < depth; z++)
        {
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    voxels[x + (width * (y + (height * z)))] = (10 * x) + y + (50 * z);
                }
            }
        }

        return new Volume(voxels, width, height, depth, VolumeGeometry.Unit(), Modality.Unknown, new VolumeProvenance { Format = format });
    }

    [Fact]
    public void A_reference_array_slice_is_nibabel_data_z_in_row_major_order_with_rows_along_x()
    {
        var volume = Positional(width: 4, height: 3, depth: 1);

        var layout = SliceLayout.Of(volume, SliceOrientation.ReferenceArray);
        var slice = layout.Extract(volume, 0);

        // numpy: data[:, :, 0] of a 4x3x1 array is 4 rows (x) of 3 columns (y).
        Assert.Equal((3, 4), (layout.Width(volume), layout.Height(volume)));
        Assert.Equal([0f, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32], slice);
    }

    [Fact]
    public void The_display_slice_of_a_ras_volume_has_rows_along_y_flipped_anterior_up()
    {
        var volume = Positional(width: 4, height: 3, depth: 1);

        var layout = SliceLayout.Of(volume, SliceOrientation.Display);

        Assert.Equal((4, 3), (layout.Width(volume), layout.Height(volume)));
        Assert.Equal([2f, 12, 22, 32, 1, 11, 21, 31, 0, 10, 20, 30], layout.Extract(volume, 0));
    }

    [Theory]
    [InlineData(SliceOrientation.Display)]
    [InlineData(SliceOrientation.ReferenceArray)]
    public void A_slice_image_of_either_layout_is_shown_as_the_display_layout_shows_it(SliceOrientation orientation)
    {
        var volume = Positional(width: 3, height: 3, depth: 1);
        var layout = SliceLayout.Of(volume, orientation);

        var shown = layout.ToDisplay<float>(layout.Extract(volume, 0), 3, volume);

        Assert.Equal(SliceLayout.Of(volume, SliceOrientation.Display).Extract(volume, 0), shown);
    }

    [Fact]
    public void A_plain_image_is_shown_as_stored()
    {
        var volume = Positional(width: 3, height: 3, depth: 1, ScanFormat.Png);

        var shown = SliceLayout.AsStored.ToDisplay<float>(volume.Slice(0), 3, volume);

        Assert.Equal(volume.Slice(0).ToArray(), shown);
    }

    [Theory]
    [InlineData("brain-mri", SliceOrientation.Display)]
    [InlineData("brain-mri", SliceOrientation.ReferenceArray)]
    [InlineData("ct", SliceOrientation.Display)]
    [InlineData("ct", SliceOrientation.ReferenceArray)]
    public void A_map_made_from_the_model_input_lands_each_value_back_on_its_own_voxel(string preset, SliceOrientation orientation)
    {
        // Square and as large as the model input, so resampling is the identity and only the layout moves values.
        var volume = Positional(width: 6, height: 6, depth: 2);
        IModalityPreset modalityPreset = preset == "ct"
            ? new CtPreset { ModelSize = 6, SliceRange = (1, 1), Orientation = orientation }
            : new BrainMriPreset { ModelSize = 6, SliceRange = (1, 1), Orientation = orientation };

        var prepared = modalityPreset.Prepare(volume, TestContext.Current.CancellationToken);
        var slice = Assert.Single(prepared.Slices);
        var back = prepared.MapToSource([[.. slice.Pixels.Select(p => (p + 1) / 2)]]);

        // Slice 1 holds 50..105 (inside the CT window); min-max scaling makes each voxel (v - 50) / 55.
        for (int y = 0; y < 6; y++)
        {
            for (int x = 0; x < 6; x++)
            {
                Assert.Equal(((10 * x) + y) / 55f, back[x + (6 * y) + 36], 5);
                Assert.Equal(0f, back[x + (6 * y)]);
            }
        }
    }

    [Fact]
    public void The_reference_array_model_input_is_the_scaled_nibabel_slice()
    {
        var volume = Positional(width: 6, height: 6, depth: 1);

        var slice = Assert.Single(new BrainMriPreset { ModelSize = 6, Orientation = SliceOrientation.ReferenceArray }.Prepare(volume, TestContext.Current.CancellationToken).Slices);

        // Row r, column c of the model input is voxel (x = r, y = c): 10·r + c, scaled from [0, 55] to [-1, 1].
        for (int row = 0; row < 6; row++)
        {
            for (int column = 0; column < 6; column++)
            {
                Assert.Equal((2 * ((10 * row) + column) / 55f) - 1, slice.Pixels[(row * 6) + column], 5);
            }
        }
    }

    [Fact]
    public void A_png_is_used_as_stored_in_both_orientations()
    {
        var picture = Positional(width: 4, height: 3, depth: 1, ScanFormat.Png);

        var reference = SliceLayout.Of(picture, SliceOrientation.ReferenceArray);

        Assert.Equal(SliceLayout.AsStored, reference);
        Assert.Equal(SliceLayout.Of(picture, SliceOrientation.Display), reference);
        Assert.Equal(picture.Slice(0).ToArray(), reference.Extract(picture, 0));
    }

    [Fact]
    public void The_brain_and_ct_presets_take_the_orientation_and_ultrasound_frames_stay_as_stored()
    {
        var brain = Assert.IsType<BrainMriPreset>(ModalityPresets.For(ModalityHint.BrainMri, Modality.MR, 64, orientation: SliceOrientation.ReferenceArray));
        var ct = Assert.IsType<CtPreset>(ModalityPresets.For(ModalityHint.Auto, Modality.CT, 64, orientation: SliceOrientation.ReferenceArray));
        var cine = Positional(width: 8, height: 6, depth: 1, ScanFormat.Dicom);

        var frame = Assert.Single(ModalityPresets.For(ModalityHint.CarotidUltrasound, Modality.US, 8, orientation: SliceOrientation.ReferenceArray).Prepare(cine, TestContext.Current.CancellationToken).Slices);

        Assert.Equal(SliceOrientation.ReferenceArray, brain.Orientation);
        Assert.Equal(SliceOrientation.ReferenceArray, ct.Orientation);
        Assert.Equal(SliceOrientation.Display, new BrainMriPreset().Orientation);
        Assert.Equal(SliceLayout.AsStored, frame.Layout);
    }

    [Theory]
    [InlineData(null, SliceOrientation.Display)]
    [InlineData("display", SliceOrientation.Display)]
    [InlineData("reference-array", SliceOrientation.ReferenceArray)]
    [InlineData(" Reference-Array ", SliceOrientation.ReferenceArray)]
    public void A_recorded_orientation_reads_back_and_none_recorded_is_display(string? recorded, SliceOrientation expected)
    {
        Assert.Equal(expected, SliceOrientationNames.ParseRecorded(recorded));
        Assert.Equal(expected, SliceOrientationNames.ParseRecorded(SliceOrientationNames.Of(expected)));
    }

    [Fact]
    public void An_unknown_recorded_orientation_is_refused_with_the_choices()
    {
        var error = Assert.Throws<ArgumentException>(() => SliceOrientationNames.ParseRecorded("rotated"));

        Assert.Contains("reference-array", error.Message, StringComparison.Ordinal);
    }
}
