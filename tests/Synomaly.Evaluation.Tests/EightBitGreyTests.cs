namespace Synomaly.Evaluation.Tests;

public sealed class EightBitGreyTests
{
    [Fact]
    public void Whole_levels_in_range_are_kept_as_they_are()
    {
        float[] levels = [0, 17, 128, 255];

        Assert.Same(levels, EightBitGrey.Fit(levels));
    }

    [Fact]
    public void Another_scale_is_mapped_linearly_onto_0_to_255()
    {
        Assert.Equal([0f, 63.75f, 255f], EightBitGrey.Fit([-1000f, 0f, 3000f]));
    }

    [Fact]
    public void A_slice_spanning_more_than_the_float_range_keeps_its_order_instead_of_becoming_all_zero()
    {
        // max - min overflowed to infinity in float: the scale was 0 and the lesion was drawn onto an all-black slice.
        var grey = EightBitGrey.Fit([-3e38f, 0f, 3e38f]);

        Assert.All(grey, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(0f, grey[0]);
        Assert.Equal(127.5f, grey[1], 3);
        Assert.Equal(255f, grey[2]);
    }

    [Fact]
    public void The_top_of_the_range_is_255_not_a_hair_above_it()
    {
        // In float, 5.25 * (255 / 5.25) rounds to 255.00002: a level outside the 8-bit range the synthesizer works in.
        var grey = EightBitGrey.Fit([0f, 1f, 5.25f]);

        Assert.Equal(255f, grey[2]);
        Assert.Equal(0f, grey[0]);
    }

    [Fact]
    public void Every_level_stays_in_0_to_255_and_only_levels_above_255_change()
    {
        // Random slices on other scales (CT units, fractions, tiny and huge spans): the levels are those of the map as it
        // was before the clamp, bit for bit, except that one above 255 becomes 255. Pinned sets depend on every bit.
        var random = new Random(20261207);
        int clamped = 0;
        for (int trial = 0; trial < 20_000; trial++)
        {
            double centre = (random.NextDouble() - 0.5) * Math.Pow(10, random.Next(0, 7));
            double width = Math.Pow(10, random.Next(-3, 6)) * random.NextDouble();
            float[] pixels = [.. Enumerable.Range(0, random.Next(2, 12)).Select(_ => (float)(centre + (width * random.NextDouble())))];
            if (pixels.Max() <= pixels.Min())
            {
                continue;
            }

            var before = UnclampedFit(pixels);
            var grey = EightBitGrey.Fit(pixels);

            for (int i = 0; i < pixels.Length; i++)
            {
                Assert.InRange(grey[i], 0f, EightBitGrey.MaxLevel);
                if (before[i] > EightBitGrey.MaxLevel)
                {
                    clamped++;
                    Assert.Equal(EightBitGrey.MaxLevel, grey[i]);
                }
                else
                {
                    Assert.Equal(BitConverter.SingleToInt32Bits(before[i]), BitConverter.SingleToInt32Bits(grey[i]));
                }
            }
        }

        // The property is only tested if some random slice did reach above 255.
        Assert.True(clamped > 0, "no random slice reached above 255");
    }

    /// <summary>The float map as it was before the clamp (whole levels in range are kept as they are).</summary>
    private static float[] UnclampedFit(float[] pixels)
    {
        if (pixels.All(v => v >= 0 && v <= EightBitGrey.MaxLevel && v == MathF.Round(v)))
        {
            return pixels;
        }

        float min = pixels.Min(), max = pixels.Max();
        float scale = EightBitGrey.MaxLevel / (max - min);
        return [.. pixels.Select(v => (v - min) * scale)];
    }
}
