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

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_nan_pixel_stays_nan_for_the_engine_to_refuse_and_the_others_are_scaled_without_it(bool percentile)
    {
        // The clamp to [-1, 1] must not turn a NaN into a number, and neither may the range: Math.Min and Math.Max answer
        // NaN for a NaN pixel (NaN sorts first for the percentiles), the range was NaN, and the slice became all -1, a
        // constant background the engine's non-finite check (NonFiniteInputException) never saw.
        float[] pixels = [10, float.NaN, 20, 30, 50];
        var scaling = percentile ? IntensityScaling.Percentile(0, 100) : IntensityScaling.MinMax;

        scaling.Apply(pixels);

        Assert.True(float.IsNaN(pixels[1]), $"the NaN pixel became {pixels[1]}");
        Assert.Equal([-1f, -0.5f, 0f, 1f], [pixels[0], pixels[2], pixels[3], pixels[4]]);
    }

    [Fact]
    public void An_all_nan_slice_stays_nan()
    {
        float[] pixels = [float.NaN, float.NaN];
        float[] robust = [float.NaN, float.NaN];

        IntensityScaling.MinMax.Apply(pixels);
        IntensityScaling.Percentile().Apply(robust);

        Assert.All(pixels, v => Assert.True(float.IsNaN(v)));
        Assert.All(robust, v => Assert.True(float.IsNaN(v)));
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

    [Fact]
    public void The_brightest_pixel_is_exactly_one_where_the_float_difference_rounds_up()
    {
        // 1 - (-0.2f) rounds up in float, and divided by the exact range (taken in double) it gave 1.0000001: a pixel past
        // the model's [-1, 1] (real scans do it: the brain preset on example_ct.nii.gz and anatomical.nii).
        float[] pixels = [-0.2f, 0.5f, 1f];
        float[] robust = (float[])pixels.Clone();

        IntensityScaling.MinMax.Apply(pixels);
        IntensityScaling.Percentile(0, 100).Apply(robust);

        Assert.Equal(1f, pixels[^1]);
        Assert.Equal(1f, robust[^1]);
        Assert.Equal(-1f, pixels[0]);
    }

    [Fact]
    public void A_slice_whose_finite_values_span_more_than_the_float_range_is_scaled_to_finite_values_in_order()
    {
        // max - min (6e38) is beyond float.MaxValue (3.4e38): x - low overflowed to infinity, and the slice was refused
        // as holding non-finite pixels although every voxel is finite.
        float[] pixels = [-3e38f, -1e38f, 0f, 2e38f, 3e38f];
        float[] robust = (float[])pixels.Clone();

        IntensityScaling.MinMax.Apply(pixels);
        IntensityScaling.Percentile(0, 100).Apply(robust);

        foreach (var scaled in new[] { pixels, robust })
        {
            Assert.All(scaled, v => Assert.True(float.IsFinite(v), $"{v} is not finite"));
            Assert.Equal(-1f, scaled[0]);
            Assert.Equal(1f, scaled[^1]);
            Assert.Equal(0f, scaled[2]);
            Assert.Equal(scaled.Order().ToArray(), scaled);
            Assert.Equal(-1f / 3, scaled[1], 1e-6f);
            Assert.Equal(2f / 3, scaled[3], 1e-6f);
        }
    }

    [Fact]
    public void A_percentile_between_values_further_apart_than_the_float_range_is_interpolated_without_overflow()
    {
        // The 25th and 75th percentiles of two values lie between them: their difference overflowed, and the clip bounds
        // became infinite or NaN.
        float[] pixels = [-3e38f, 3e38f, 3e38f, -3e38f, 0f];

        IntensityScaling.Percentile(25, 75).Apply(pixels);

        Assert.Equal([-1f, 1f, 1f, -1f, 0f], pixels);
    }

    [Fact]
    public void Slices_whose_range_fits_a_float_are_scaled_to_the_same_bits_as_before_the_overflow_fix_but_for_the_clamp()
    {
        // Pinned outputs (the demo's scores, the conformance table) depend on every bit of the scaling: the overflow fix
        // may only change slices whose differences leave the float range.
        var random = new Random(20261207);
        for (int trial = 0; trial < 2000; trial++)
        {
            double scale = Math.Pow(10, (random.NextDouble() * 60) - 30);
            // Offsets up to a million times the spread: the float differences then round, which is where bits could move.
            double offset = (random.NextDouble() - 0.5) * scale * Math.Pow(10, random.Next(0, 7));
            var pixels = new float[random.Next(1, 200)];
            for (int i = 0; i < pixels.Length; i++)
            {
                pixels[i] = (float)(offset + (random.NextDouble() * scale));
            }

            var scaling = trial % 2 == 0 ? IntensityScaling.MinMax : IntensityScaling.Percentile(random.NextDouble() * 10, 90 + (random.NextDouble() * 10));
            // The earlier code could overshoot 1 by a float step; clamping to [-1, 1] is the only change allowed.
            var expected = ScaledAsBeforeTheFix(pixels, scaling).Select(v => Math.Clamp(v, -1f, 1f)).ToArray();
            scaling.Apply(pixels);

            Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), pixels.Select(BitConverter.SingleToInt32Bits));
        }
    }

    /// <summary>IntensityScaling.Apply as it was before the overflow fix, verbatim but for the in-place span.</summary>
    private static float[] ScaledAsBeforeTheFix(float[] input, IntensityScaling scaling)
    {
        var pixels = (float[])input.Clone();
        float low, high;
        if (scaling.LowerPercentile is { } lo && scaling.UpperPercentile is { } hi)
        {
            var sorted = pixels.ToArray();
            Array.Sort(sorted);
            low = OldPercentileOf(sorted, lo);
            high = OldPercentileOf(sorted, hi);
            for (int i = 0; i < pixels.Length; i++)
            {
                pixels[i] = Math.Clamp(pixels[i], low, high);
            }
        }
        else
        {
            low = float.PositiveInfinity;
            high = float.NegativeInfinity;
            foreach (float v in pixels)
            {
                low = Math.Min(low, v);
                high = Math.Max(high, v);
            }
        }

        double range = (double)high - low;
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = range > 0 ? (float)((2.0 * (pixels[i] - low) / range) - 1.0) : -1f;
        }

        return pixels;
    }

    private static float OldPercentileOf(float[] sorted, double percent)
    {
        double rank = Math.Clamp(percent, 0, 100) / 100.0 * (sorted.Length - 1);
        int below = (int)Math.Floor(rank);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return (float)(sorted[below] + ((sorted[above] - sorted[below]) * (rank - below)));
    }
}
