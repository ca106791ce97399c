using Synomaly.Contracts;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Tests.Presets;

/// <summary>Region masks for training (ALGORITHM.md 2.5, 6.10) land on the model grid exactly where their image's pixels do.</summary>
public sealed class RegionMaskPreparationTests
{
    /// <summary>A 40x40x3 RAS+ volume (shown flipped) with <paramref name="inside"/> where the predicate holds and 0 elsewhere.</summary>
    private static Volume Block(Func<int, int, bool> predicate, float inside = 1)
    {
        var voxels = new float[40 * 40 * 3];
        for (int z = 0; z < 3; z++)
        {
            for (int y = 0; y < 40; y++)
            {
                for (int x = 0; x < 40; x++)
                {
                    voxels[(z * 1600) + (y * 40) + x] = predicate(x, y) ? inside : 0;
                }
            }
        }

        return new Volume(voxels, 40, 40, 3, VolumeGeometry.Unit(), Modality.Unknown, new VolumeProvenance { Format = ScanFormat.Nifti });
    }

    private static bool InBlock(int x, int y) => y < 10 && x is >= 5 and < 25;

    [Theory]
    [InlineData(SliceOrientation.Display)]
    [InlineData(SliceOrientation.ReferenceArray)]
    public void The_mask_is_one_where_its_images_region_lands_and_minus_one_elsewhere(SliceOrientation orientation)
    {
        var image = Block(InBlock, inside: 500);
        var prepared = new BrainMriPreset { SliceRange = (1, 1), ModelSize = 40, Orientation = orientation }.Prepare(image, TestContext.Current.CancellationToken);
        var slice = Assert.Single(prepared.Slices);

        var mask = RegionMaskPreparation.Prepare(prepared, slice, Block(InBlock, inside: 2));

        // Same size as the source, so resampling keeps 0/1 and the mask matches the image pixel for pixel.
        Assert.Equal(slice.Pixels.Select(p => p == 1f ? 1f : -1f), mask);
        Assert.Equal(200, mask.Count(v => v == 1f));
    }

    [Fact]
    public void Downscaled_only_pixels_wholly_outside_the_region_are_exactly_minus_one()
    {
        var image = Block(InBlock, inside: 500);
        var prepared = new BrainMriPreset { SliceRange = (1, 1), ModelSize = 16 }.Prepare(image, TestContext.Current.CancellationToken);

        var mask = RegionMaskPreparation.Prepare(prepared, prepared.Slices[0], Block(InBlock));

        Assert.Equal((-1f, 1f), (mask.Min(), mask.Max()));
        Assert.Contains(mask, v => v is > -1f and < 1f);
        // The bottom-left corner of the flipped slice is far from the block, the bottom rows over it are not.
        Assert.Equal(-1f, mask[(15 * 16) + 15]);
        Assert.True(mask[(15 * 16) + 6] > -1f);
    }

    [Fact]
    public void A_mask_without_a_border_forbids_nothing()
    {
        var image = Block(InBlock, inside: 500);
        var prepared = new BrainMriPreset { SliceRange = (1, 1), ModelSize = 16 }.Prepare(image, TestContext.Current.CancellationToken);

        var everywhere = RegionMaskPreparation.Prepare(prepared, prepared.Slices[0], Block((_, _) => true));
        var nowhere = RegionMaskPreparation.Prepare(prepared, prepared.Slices[0], Block((_, _) => false));

        Assert.All(everywhere, v => Assert.Equal(1f, v));
        Assert.All(nowhere, v => Assert.Equal(1f, v));
    }

    [Fact]
    public void A_mask_on_another_grid_is_refused()
    {
        var prepared = new BrainMriPreset { SliceRange = (1, 1), ModelSize = 16 }.Prepare(Block(InBlock, inside: 500), TestContext.Current.CancellationToken);
        var other = new Volume(new float[20 * 40 * 3], 20, 40, 3, VolumeGeometry.Unit(), Modality.Unknown, new VolumeProvenance { Format = ScanFormat.Nifti });

        var error = Assert.Throws<ArgumentException>(() => RegionMaskPreparation.Prepare(prepared, prepared.Slices[0], other));

        Assert.Contains("20x40x3", error.Message, StringComparison.Ordinal);
    }
}
