using Synomaly.Contracts;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Tests.Presets;

/// <summary>
/// Scans whose voxels are all finite but span more than the float range (a float32 NIfTI holding -3e38 and +3e38): the
/// readers take them, so preparation must give finite model input in order, not a difference that overflowed.
/// </summary>
public sealed class ExtremeRangePreparationTests
{
    private const int Side = 32;
    private const float Air = -3e38f, Head = 3e38f, Lesion = 0f;

    /// <summary>A bright disc (the head) with a lesion half way between head and air at its centre, on air.</summary>
    private static float[] HeadSlice()
    {
        var pixels = new float[Side * Side];
        for (int y = 0; y < Side; y++)
        {
            for (int x = 0; x < Side; x++)
            {
                double r = Math.Sqrt(((x - 15.5) * (x - 15.5)) + ((y - 15.5) * (y - 15.5)));
                pixels[(y * Side) + x] = r < 4 ? Lesion : r < 12 ? Head : Air;
            }
        }

        return pixels;
    }

    private static Volume Volume(int depth, params int[] headSlices)
    {
        var voxels = Enumerable.Repeat(Air, Side * Side * depth).ToArray();
        foreach (int z in headSlices)
        {
            HeadSlice().CopyTo(voxels, z * Side * Side);
        }

        return new Volume(voxels, Side, Side, depth, VolumeGeometry.Unit(), Modality.Unknown, new VolumeProvenance { Format = ScanFormat.Nifti });
    }

    [Fact]
    public void A_brain_volume_spanning_more_than_the_float_range_keeps_its_head_slices_scaled_to_finite_values_in_order()
    {
        // The selection's threshold, min + (max - min) * 0.1, was infinite: no slice had foreground, and the middle slice
        // (2, all air) was taken instead of the two with a head; its pixels and those of any head slice were not finite.
        var prepared = ScanPreparation.Prepare(new BrainMriPreset { ModelSize = Side }, Volume(4, 0, 1), TestContext.Current.CancellationToken);

        Assert.Equal([0, 1], prepared.Slices.Select(s => s.SourceSlice));
        foreach (var slice in prepared.Slices)
        {
            Assert.All(slice.Pixels, v => Assert.True(float.IsFinite(v) && v is >= -1f and <= 1f, $"{v} is not in [-1, 1]"));
            Assert.Equal(-1f, slice.Pixels[0]);
            Assert.Equal(0f, slice.Pixels[(16 * Side) + 16]);
            Assert.Equal(1f, slice.Pixels[(16 * Side) + 6]);
            Assert.True(slice.Foreground[(16 * Side) + 16], "the lesion inside the head is foreground");
            Assert.False(slice.Foreground[0], "the air in the corner is not");
        }
    }

    [Fact]
    public void An_ultrasound_frame_spanning_more_than_the_float_range_is_scaled_to_finite_values()
    {
        var prepared = ScanPreparation.Prepare(new UltrasoundPreset { ModelSize = Side }, Volume(1, 0), TestContext.Current.CancellationToken);

        var slice = Assert.Single(prepared.Slices);
        Assert.All(slice.Pixels, v => Assert.True(float.IsFinite(v) && v is >= -1f and <= 1f, $"{v} is not in [-1, 1]"));
        Assert.Equal(-1f, slice.Pixels.Min());
        Assert.Equal(1f, slice.Pixels.Max());
    }
}
