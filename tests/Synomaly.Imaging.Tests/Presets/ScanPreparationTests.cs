using Synomaly.Contracts;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Tests.Presets;

/// <summary>What a scan to be answered must hold before the model sees it: anything else is a typed rejection, never a hollow success.</summary>
public sealed class ScanPreparationTests
{
    private const int Size = 32;

    private static Volume Volume(Func<int, int, int, float> value, int width = Size, int height = Size, int depth = 3, Modality modality = Modality.Unknown)
    {
        var voxels = new float[width * height * depth];
        for (int z = 0; z < depth; z++)
        {
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    voxels[x + (width * (y + (height * z)))] = value(x, y, z);
                }
            }
        }

        return new Volume(voxels, width, height, depth, VolumeGeometry.Unit(), modality, new VolumeProvenance { Format = ScanFormat.Nifti });
    }

    /// <summary>A body of soft tissue (40 HU) in air, with a gradient so no slice is flat.</summary>
    private static float Body(int x, int y, int z) => x is > 4 and < Size - 4 ? 40 + y + z : -1000;

    [Fact]
    public void An_all_air_ct_volume_is_rejected_as_having_no_usable_slices()
    {
        var air = Volume((_, _, _) => -1000f, modality: Modality.CT);

        var error = Assert.Throws<ScanRejectedException>(() => ScanPreparation.Prepare(new CtPreset { ModelSize = Size }, air, TestContext.Current.CancellationToken));

        Assert.Equal(ScanRejectionCode.NoUsableSlices, error.Code);
        Assert.Contains("ct", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_ct_volume_with_tissue_is_prepared_as_the_preset_prepares_it()
    {
        var body = Volume(Body, modality: Modality.CT);

        var prepared = ScanPreparation.Prepare(new CtPreset { ModelSize = Size }, body, TestContext.Current.CancellationToken);

        Assert.Equal(new CtPreset { ModelSize = Size }.Prepare(body, TestContext.Current.CancellationToken).Slices.Select(s => s.Pixels), prepared.Slices.Select(s => s.Pixels));
    }

    [Theory]
    [InlineData(2, 2)]
    [InlineData(5000, 1)]
    [InlineData(1, 300)]
    [InlineData(15, 64)]
    public void Slices_below_the_minimum_side_are_rejected_as_too_small_naming_their_size(int width, int height)
    {
        var strip = Volume((x, y, _) => x + y, width, height, depth: 1);

        var error = Assert.Throws<ScanRejectedException>(() => ScanPreparation.Prepare(new BrainMriPreset { ModelSize = Size }, strip, TestContext.Current.CancellationToken));

        Assert.Equal(ScanRejectionCode.ImageTooSmall, error.Code);
        Assert.Contains($"{width}x{height}", error.Message, StringComparison.Ordinal);
        Assert.Contains("16x16", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("brain", 1, 4096, 256)]
    [InlineData("ct", 4096, 8, 256)]
    [InlineData("ultrasound", 4096, 1, 256)]
    public void A_degenerate_volume_is_refused_as_too_small_before_the_preset_prepares_any_of_it(string name, int width, int height, int depth)
    {
        // A thin but long volume (a line per slice): every slice was resampled to the model size, seconds and memory,
        // before the size check refused it.
        IModalityPreset preset = name switch
        {
            "ct" => new CtPreset { ModelSize = Size },
            "ultrasound" => new UltrasoundPreset { ModelSize = Size },
            _ => new BrainMriPreset { ModelSize = Size },
        };
        var thin = Volume((x, y, z) => x + y + z, width, height, depth);
        var unprepared = new NeverPrepared(preset);

        var error = Assert.Throws<ScanRejectedException>(() => ScanPreparation.Prepare(unprepared, thin, TestContext.Current.CancellationToken));

        Assert.Equal(ScanRejectionCode.ImageTooSmall, error.Code);
        Assert.Equal($"The scan's slices are {width}x{height} pixels; at least 16x16 are needed.", error.Message);
    }

    [Fact]
    public void A_volume_stored_with_its_in_plane_axes_swapped_is_named_by_its_analysed_slices_size_before_preparation()
    {
        // Axial, but its first array axis runs front to back: the analysed slices are 12 pixels wide and 64 high.
        var swapped = StoredAxes.Restore(Volume((x, y, _) => x + y, width: 12, height: 64, depth: 2), [1, 0, 2]);

        var error = Assert.Throws<ScanRejectedException>(() => ScanPreparation.Prepare(new NeverPrepared(new BrainMriPreset { ModelSize = Size }), swapped, TestContext.Current.CancellationToken));

        Assert.Equal((64, 12), (swapped.Width, swapped.Height));
        Assert.Equal("The scan's slices are 12x64 pixels; at least 16x16 are needed.", error.Message);
    }

    [Fact]
    public void A_sagittal_volume_is_judged_by_its_axial_slices_not_its_stored_ones()
    {
        // 12 axial slices of 64 x 64, stored as dcm2niix writes a sagittal series (axes anterior, superior, right): its
        // stored slices are 64 x 12 pixels, its axial ones, which the preset cuts, 64 x 64.
        var axial = Volume((x, y, z) => x + (2 * y) + z, width: 64, height: 64, depth: 12);
        var sagittal = StoredAxes.Restore(axial, [1, 2, 0]);
        var preset = new BrainMriPreset { ModelSize = Size, SliceRange = (0, 11) };

        var prepared = ScanPreparation.Prepare(preset, sagittal, TestContext.Current.CancellationToken);

        Assert.Equal((64, 12, 64), (sagittal.Width, sagittal.Height, sagittal.Depth));
        Assert.Equal((64, 64, 12), (prepared.Analysed.Width, prepared.Analysed.Height, prepared.Analysed.Depth));
        Assert.Equal(ScanPreparation.Prepare(preset, axial, TestContext.Current.CancellationToken).Slices.Select(s => s.Pixels), prepared.Slices.Select(s => s.Pixels));
    }

    [Fact]
    public void A_slice_of_the_minimum_side_is_prepared()
    {
        var small = Volume((x, y, _) => x + y, ScanPreparation.MinimumSide, ScanPreparation.MinimumSide, depth: 1);

        Assert.Single(ScanPreparation.Prepare(new BrainMriPreset { ModelSize = Size }, small, TestContext.Current.CancellationToken).Slices);
    }

    [Fact]
    public void A_constant_image_is_rejected_for_every_preset()
    {
        var constant = Volume((_, _, _) => 7f, depth: 1);

        Assert.All(
            new IModalityPreset[] { new BrainMriPreset { ModelSize = Size }, new CtPreset { ModelSize = Size, WindowLowHu = 0, WindowHighHu = 150 }, new UltrasoundPreset { ModelSize = Size } },
            preset => Assert.Equal(ScanRejectionCode.ConstantImage, Assert.Throws<ScanRejectedException>(() => ScanPreparation.Prepare(preset, constant, TestContext.Current.CancellationToken)).Code));
    }

    [Fact]
    public void A_volume_whose_every_slice_is_flat_is_rejected_as_constant()
    {
        var flatSlices = Volume((_, _, z) => 10f * z);

        Assert.Equal(ScanRejectionCode.ConstantImage, Assert.Throws<ScanRejectedException>(() => ScanPreparation.Prepare(new BrainMriPreset { ModelSize = Size }, flatSlices, TestContext.Current.CancellationToken)).Code);
    }

    [Fact]
    public void A_blank_slice_inside_a_volume_with_structure_is_still_prepared()
    {
        var oneBlank = Volume((x, y, z) => z == 0 ? 0f : Body(x, y, z) + 1000);

        var prepared = ScanPreparation.Prepare(new BrainMriPreset { ModelSize = Size, SliceRange = (0, 2) }, oneBlank, TestContext.Current.CancellationToken);

        Assert.Equal([0, 1, 2], prepared.Slices.Select(s => s.SourceSlice));
        Assert.All(prepared.Slices[0].Pixels, p => Assert.Equal(-1f, p));
    }

    /// <summary>A preset whose slices are never to be prepared: it answers their size as <paramref name="preset"/> does.</summary>
    private sealed class NeverPrepared(IModalityPreset preset) : IModalityPreset
    {
        public string Name => preset.Name;

        public (int Width, int Height) SliceSize(Volume volume) => preset.SliceSize(volume);

        public PreparedScan Prepare(Volume volume, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("The volume was prepared before its size was checked.");
    }
}
