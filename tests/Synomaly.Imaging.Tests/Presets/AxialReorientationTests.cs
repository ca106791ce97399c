using Synomaly.Contracts;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Reading;
using Synomaly.Imaging.Volumes;
using Synomaly.Testing;

namespace Synomaly.Imaging.Tests.Presets;

/// <summary>
/// The brain and CT presets cut axial slices whatever plane a volume is stored in: their models were trained on axial
/// slices (array axis 2 of axially stored volumes), and a sagittal 3-D T1 or a coronal series is an everyday upload.
/// </summary>
public sealed class AxialReorientationTests
{
    private static Volume Read(params string[] parts) => ScanReader.ReadFile(Path.Combine([TestPaths.Data, .. parts]));

    /// <summary>An axially stored volume (unit affine: x right, y anterior, z superior) whose voxel (x, y, z) holds x + y / 16 + 20·z.</summary>
    private static Volume Positional(int width, int height, int depth)
    {
        var voxels = new float[width * height * depth];
        for (int z = 0; z < depth; z++)
        {
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    voxels[x + (width * (y + (height * z)))] = x + (y / 16f) + (20 * z);
                }
            }
        }

        return new Volume(voxels, width, height, depth, VolumeGeometry.Unit(), Modality.Unknown, new VolumeProvenance { Format = ScanFormat.Nifti });
    }

    private static IModalityPreset Preset(string name, SliceOrientation orientation, int modelSize = 128, (int, int)? range = null) => name == "ct"
        ? new CtPreset { ModelSize = modelSize, Orientation = orientation, SliceRange = range }
        : new BrainMriPreset { ModelSize = modelSize, Orientation = orientation, SliceRange = range };

    [Theory]
    [InlineData(SliceOrientation.Display)]
    [InlineData(SliceOrientation.ReferenceArray)]
    public void A_sagittally_stored_colin27_gives_the_axial_slices_of_the_original_and_its_maps_land_on_the_stored_voxels(SliceOrientation orientation)
    {
        var axial = Read("formats", "nifti-samples", "colin27_ch2bet.nii.gz");
        // Stored as dcm2niix writes a sagittal 3-D T1: array axes running anterior, superior, right.
        var sagittal = StoredAxes.ThroughNifti(StoredAxes.Restore(axial, [1, 2, 0]));
        var preset = Preset("brain-mri", orientation);

        var expected = ScanPreparation.Prepare(preset, axial, TestContext.Current.CancellationToken);
        var prepared = ScanPreparation.Prepare(preset, sagittal, TestContext.Current.CancellationToken);

        Assert.Equal(expected.Slices.Select(s => s.SourceSlice), prepared.Slices.Select(s => s.SourceSlice));
        Assert.Equal(expected.Slices.Select(s => s.Pixels), prepared.Slices.Select(s => s.Pixels));
        var maps = expected.Slices.Select(s => s.Pixels.Select(p => (p + 1) / 2).ToArray()).ToList();
        var back = prepared.MapToSource(maps);
        Assert.Equal(sagittal.Voxels.Length, back.Length);
        Assert.Equal(StoredAxes.Restore(StoredAxes.OnGridOf(axial, expected.MapToSource(maps)), [1, 2, 0]).Voxels, back);
    }

    [Theory]
    [InlineData("brain-mri", SliceOrientation.Display)]
    [InlineData("brain-mri", SliceOrientation.ReferenceArray)]
    [InlineData("ct", SliceOrientation.Display)]
    [InlineData("ct", SliceOrientation.ReferenceArray)]
    public void A_map_of_a_sagittal_volume_lands_each_value_on_its_own_voxel(string preset, SliceOrientation orientation)
    {
        // 16 x 16 axial slices as large as the model input, so resampling is the identity and only the axes move values.
        var sagittal = StoredAxes.Restore(Positional(width: 16, height: 16, depth: 4), [1, 2, 0]);

        var prepared = Preset(preset, orientation, modelSize: 16, range: (2, 2)).Prepare(sagittal, TestContext.Current.CancellationToken);
        var slice = Assert.Single(prepared.Slices);
        var back = prepared.MapToSource([[.. slice.Pixels.Select(p => (p + 1) / 2)]]);

        // Stored voxel (a, s, r) is world (x = r, y = a, z = s); axial slice 2 holds 40 + r + a / 16 (inside the CT window),
        // which min-max scales to (r + a / 16) / (15 + 15 / 16).
        for (int r = 0; r < 16; r++)
        {
            for (int s = 0; s < 4; s++)
            {
                for (int a = 0; a < 16; a++)
                {
                    Assert.Equal(s == 2 ? (r + (a / 16f)) / (15 + (15 / 16f)) : 0f, back[a + (16 * (s + (4 * r)))], 5);
                }
            }
        }
    }

    [Theory]
    [InlineData(SliceOrientation.Display)]
    [InlineData(SliceOrientation.ReferenceArray)]
    public void An_axial_colin27_with_rows_and_columns_swapped_gives_the_original_slices_and_its_maps_land_on_the_stored_voxels(SliceOrientation orientation)
    {
        var axial = Read("formats", "nifti-samples", "colin27_ch2bet.nii.gz");
        // Still axial (axis 2 runs superior), but array axis 0 runs anterior and axis 1 right: cut as stored, the model
        // would see the head transposed, on its side.
        var swapped = StoredAxes.ThroughNifti(StoredAxes.Restore(axial, [1, 0, 2]));
        var preset = Preset("brain-mri", orientation);

        var expected = ScanPreparation.Prepare(preset, axial, TestContext.Current.CancellationToken);
        var prepared = ScanPreparation.Prepare(preset, swapped, TestContext.Current.CancellationToken);

        Assert.Equal(expected.Slices.Select(s => s.SourceSlice), prepared.Slices.Select(s => s.SourceSlice));
        Assert.Equal(expected.Slices.Select(s => s.Pixels), prepared.Slices.Select(s => s.Pixels));
        var maps = expected.Slices.Select(s => s.Pixels.Select(p => (p + 1) / 2).ToArray()).ToList();
        Assert.Equal(StoredAxes.Restore(StoredAxes.OnGridOf(axial, expected.MapToSource(maps)), [1, 0, 2]).Voxels, prepared.MapToSource(maps));
        var note = Assert.Single(prepared.Analysed.Provenance.ReportNotes);
        Assert.Contains("Stored in axial slices with rows and columns swapped", note, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("brain-mri", false, false)]
    [InlineData("brain-mri", true, true)]
    [InlineData("ct", true, false)]
    [InlineData("ct", false, true)]
    public void An_axial_volume_with_swapped_in_plane_axes_reaches_the_model_as_the_axial_original_whichever_way_they_run(string preset, bool posterior, bool left)
    {
        // Axis 0 runs front to back (posterior when reversed), axis 1 across (to the left when reversed), as a DICOM
        // series whose rows and columns are exchanged: the display layout shows anterior up and the right on the right.
        var axial = Positional(width: 16, height: 16, depth: 4);
        var swapped = StoredAxes.Restore(axial, [1, 0, 2], [posterior, left, false]);
        var chosen = Preset(preset, SliceOrientation.Display, modelSize: 16, range: (1, 2));

        var expected = chosen.Prepare(axial, TestContext.Current.CancellationToken);
        var prepared = chosen.Prepare(swapped, TestContext.Current.CancellationToken);

        Assert.Equal(expected.Slices.Select(s => s.Pixels), prepared.Slices.Select(s => s.Pixels));
        var maps = expected.Slices.Select(s => s.Pixels.Select(p => (p + 1) / 2).ToArray()).ToList();
        Assert.Equal(StoredAxes.Restore(StoredAxes.OnGridOf(axial, expected.MapToSource(maps)), [1, 0, 2], [posterior, left, false]).Voxels, prepared.MapToSource(maps));
    }

    [Fact]
    public void The_coronally_stored_kmeans_sample_is_analysed_in_axial_slices()
    {
        // ITK's sample: axis 0 runs left, axis 1 superior (2 mm), axis 2 anterior (3 mm).
        var coronal = Read("formats", "nifti-samples", "KmeansTest_T1UCharRaw.nii.gz");
        var axial = StoredAxes.Restore(coronal, [0, 2, 1]);

        var prepared = ScanPreparation.Prepare(new BrainMriPreset(), coronal, TestContext.Current.CancellationToken);
        var expected = ScanPreparation.Prepare(new BrainMriPreset(), axial, TestContext.Current.CancellationToken);

        // An axial slice is 128 pixels left to right by 62 front to back, one of 128 along the inferior-superior axis.
        Assert.All(prepared.Slices, s => Assert.Equal(PixelRect.Full(128, 62), s.Crop));
        Assert.Equal(expected.Slices.Select(s => s.SourceSlice), prepared.Slices.Select(s => s.SourceSlice));
        Assert.Equal(expected.Slices.Select(s => s.Pixels), prepared.Slices.Select(s => s.Pixels));
    }

    [Fact]
    public void The_report_note_names_the_stored_plane_and_an_axial_volume_is_cut_as_stored_without_a_copy()
    {
        var axial = Positional(width: 16, height: 16, depth: 4);
        var coronal = Read("formats", "nifti-samples", "KmeansTest_T1UCharRaw.nii.gz");

        var asStored = new BrainMriPreset { ModelSize = 16 }.Prepare(axial, TestContext.Current.CancellationToken);
        var reoriented = new BrainMriPreset { ModelSize = 16 }.Prepare(coronal, TestContext.Current.CancellationToken);

        Assert.Same(axial, asStored.Analysed);
        Assert.Empty(asStored.Analysed.Provenance.ReportNotes);
        Assert.Equal((128, 62, 128), (reoriented.Analysed.Width, reoriented.Analysed.Height, reoriented.Analysed.Depth));
        Assert.Equal((2, 3, 2), (reoriented.Analysed.Geometry.SpacingX, reoriented.Analysed.Geometry.SpacingY, reoriented.Analysed.Geometry.SpacingZ));
        Assert.Null(reoriented.Analysed.Provenance.NiftiHeader);
        var note = Assert.Single(reoriented.Analysed.Provenance.ReportNotes);
        Assert.Contains("Stored in coronal slices", note, StringComparison.Ordinal);
        Assert.Contains("from inferior to superior", note, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3.0, true)]
    [InlineData(3.5, false)]
    [InlineData(5.0, false)]
    public void Sagittal_slices_are_reoriented_up_to_three_times_their_pixel_size_apart_and_refused_beyond(double sliceSpacing, bool accepted)
    {
        // 20 sagittal slices of 64 x 64 one-millimetre pixels, sliceSpacing apart (axes: anterior, superior, right).
        var voxels = Enumerable.Range(0, 64 * 64 * 20).Select(i => (float)(i % 97)).ToArray();
        double[] affine = [0, 0, sliceSpacing, -30, 1, 0, 0, -32, 0, 1, 0, -32, 0, 0, 0, 1];
        var sagittal = new Volume(voxels, 64, 64, 20, new VolumeGeometry(1, 1, sliceSpacing, affine), Modality.MR, new VolumeProvenance { Format = ScanFormat.Dicom });

        var prepare = () => ScanPreparation.Prepare(new BrainMriPreset { ModelSize = 32 }, sagittal);

        if (accepted)
        {
            var analysed = prepare().Analysed;
            Assert.Equal((20, 64, 64), (analysed.Width, analysed.Height, analysed.Depth));
            return;
        }

        var error = Assert.Throws<ScanRejectedException>(prepare);
        Assert.Equal(ScanRejectionCode.UnsupportedOrientation, error.Code);
        Assert.Contains("20 sagittal slices", error.Message, StringComparison.Ordinal);
        Assert.Contains(FormattableString.Invariant($"20x64 pixels of {sliceSpacing:0.##}x1 mm"), error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(44.7, false)]
    [InlineData(45.0, false)]
    [InlineData(45.3, false)]
    [InlineData(45.45, false)]
    [InlineData(45.6, true)]
    [InlineData(47.0, true)]
    public void A_volume_tilted_near_45_degrees_keeps_its_stored_axes_unless_another_is_clearly_more_superior(double tilt, bool reoriented)
    {
        // 32 x 24 x 20 voxels, axes 1 and 2 turned by tilt about the left-right axis: axis 1 points (90 - tilt) degrees
        // from superior, axis 2 tilt degrees. Near 45 both are as superior, and the choice followed rounding; now axis
        // 1 is taken only when it is more than a degree closer (2 tilt - 90 > 1, beyond 45.5 degrees).
        double c = Math.Cos(tilt * Math.PI / 180), s = Math.Sin(tilt * Math.PI / 180);
        double[] affine = [1, 0, 0, 0, 0, c, -s, 0, 0, s, c, 0, 0, 0, 0, 1];
        var voxels = Enumerable.Range(0, 32 * 24 * 20).Select(i => (float)(i % 97)).ToArray();
        var volume = new Volume(voxels, 32, 24, 20, new VolumeGeometry(1, 1, 1, affine), Modality.MR, new VolumeProvenance { Format = ScanFormat.Nifti });

        var analysed = AxialReorientation.Of(volume, TestContext.Current.CancellationToken).Volume;

        Assert.Equal(reoriented ? (32, 20, 24) : (32, 24, 20), (analysed.Width, analysed.Height, analysed.Depth));
        Assert.Equal(reoriented, !ReferenceEquals(volume.Voxels, analysed.Voxels));
    }

    [Theory]
    [InlineData(0.0, 0.0, null)]
    [InlineData(20.0, 0.0, null)]
    [InlineData(35.0, 0.0, 35)]
    [InlineData(0.0, 40.0, 40)]
    [InlineData(20.0, 25.0, 32)]
    public void An_acquisition_more_than_30_degrees_oblique_is_analysed_as_stored_with_a_report_note_naming_the_angle(double tilt, double turn, int? noted)
    {
        // 32 x 24 x 20 axial voxels tilted about the left-right axis and turned about the foot-head axis (an AC-PC
        // aligned axial is tilted some 10-20 degrees). Tilted 20 and turned 25, the front-back axis is off by both:
        // arccos(cos 20 cos 25), 32 degrees.
        double ct = Math.Cos(tilt * Math.PI / 180), st = Math.Sin(tilt * Math.PI / 180);
        double cr = Math.Cos(turn * Math.PI / 180), sr = Math.Sin(turn * Math.PI / 180);
        // Columns of Rz(turn) * Rx(tilt): the directions of array axes 0, 1, 2 in RAS+.
        double[] affine = [cr, -sr * ct, sr * st, 0, sr, cr * ct, -cr * st, 0, 0, st, ct, 0, 0, 0, 0, 1];
        var voxels = Enumerable.Range(0, 32 * 24 * 20).Select(i => (float)(i % 97)).ToArray();
        var volume = new Volume(voxels, 32, 24, 20, new VolumeGeometry(1, 1, 1, affine), Modality.MR, new VolumeProvenance { Format = ScanFormat.Nifti });

        var prepared = new BrainMriPreset { ModelSize = 16, SliceRange = (10, 10) }.Prepare(volume, TestContext.Current.CancellationToken);

        // Never resampled nor reordered: the same voxels, slices and maps as stored.
        Assert.Same(volume.Voxels, prepared.Analysed.Voxels);
        Assert.Equal((32, 24, 20), (prepared.Analysed.Width, prepared.Analysed.Height, prepared.Analysed.Depth));
        var map = prepared.MapToAnalysed([new float[16 * 16]]);
        Assert.Same(map, prepared.ToSource(map));
        if (noted is not { } degrees)
        {
            Assert.Same(volume, prepared.Analysed);
            return;
        }

        var note = Assert.Single(prepared.Analysed.Provenance.ReportNotes);
        Assert.StartsWith("Oblique acquisition", note, StringComparison.Ordinal);
        Assert.Contains($"up to {degrees} degrees", note, StringComparison.Ordinal);
    }

    [Fact]
    public void A_single_sagittal_image_is_refused_it_has_no_axial_slice()
    {
        var voxels = Enumerable.Range(0, 64 * 64).Select(i => (float)(i % 97)).ToArray();
        double[] affine = [0, 0, 1, 0, 1, 0, 0, -32, 0, 1, 0, -32, 0, 0, 0, 1];
        var image = new Volume(voxels, 64, 64, 1, new VolumeGeometry(1, 1, 1, affine), Modality.MR, new VolumeProvenance { Format = ScanFormat.Dicom });

        var error = Assert.Throws<ScanRejectedException>(() => ScanPreparation.Prepare(new BrainMriPreset(), image, TestContext.Current.CancellationToken));

        Assert.Equal(ScanRejectionCode.UnsupportedOrientation, error.Code);
        Assert.Contains("1x64 pixels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_region_mask_on_the_stored_grid_is_cut_like_its_reoriented_image()
    {
        var axialCt = Positional(width: 16, height: 16, depth: 4);
        var axialMask = StoredAxes.OnGridOf(axialCt, [.. axialCt.Voxels.Select((_, i) => i % 16 < 5 && i % 256 < 128 ? 1f : 0f)]);
        var sagittalCt = StoredAxes.Restore(axialCt, [1, 2, 0]);
        var sagittalMask = StoredAxes.Restore(axialMask, [1, 2, 0]);
        var preset = new CtPreset { ModelSize = 16, SliceRange = (1, 2) };

        var axial = preset.Prepare(axialCt, TestContext.Current.CancellationToken);
        var sagittal = preset.Prepare(sagittalCt, TestContext.Current.CancellationToken);

        Assert.Equal(
            axial.Slices.Select(s => RegionMaskPreparation.Prepare(axial, s, axialMask)),
            sagittal.Slices.Select(s => RegionMaskPreparation.Prepare(sagittal, s, sagittalMask)));
    }
}
