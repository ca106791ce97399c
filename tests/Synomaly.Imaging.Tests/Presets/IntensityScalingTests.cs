using Synomaly.Imaging.Presets;

namespace Synomaly.Imaging.Tests.Presets;

public sealed class IntensityScalingTests
{
    [Fact]
    public void Min_max_maps_the_range_onto_minus_one_to_one()
    {
        float[] pixels = [10, 20, 30, 50];

        IntensityScaling.MinMax.Apply(pixels);

        Assert.Equal([-1f, -0.5f, 0f, 1f], pixels);
    }

    [Fact]
    public void A_constant_slice_does_not_divide_by_zero()
    {
        float[] pixels = [7, 7, 7, 7];

        IntensityScaling.MinMax.Apply(pixels);
        float[] robust = [7, 7, 7];
        IntensityScaling.Percentile().Apply(robust);

        Assert.All(pixels, v => Assert.Equal(-1f, v));
        Assert.All(robust, v => Assert.Equal(-1f, v));
    }

    [Fact]
    public void Percentile_clipping_keeps_one_outlier_from_compressing_the_range()
    {
        var pixels = Enumerable.Range(0, 1000).Select(i => (float)(i % 100)).Append(100000f).ToArray();
        var reference = (float[])pixels.Clone();

        IntensityScaling.Percentile(1, 99).Apply(pixels);
        IntensityScaling.MinMax.Apply(reference);

        // Value 50 sits mid-range after robust scaling, but near -1 when the outlier sets the maximum.
        Assert.InRange(pixels[50], -0.1f, 0.1f);
        Assert.True(reference[50] < -0.99f);
        Assert.Equal(1f, pixels[^1]);
    }
}
