using Synomaly.Imaging.Presets;

namespace Synomaly.Imaging.Tests.Presets;

public sealed class SolidObjectMaskTests
{
    /// <summary>A 9 x 9 image: a bright ring (rows and columns 2..6) around a dark centre 3x3, dark outside.</summary>
    private static float[] Ring()
    {
        var pixels = new float[81];
        for (int y = 2; y <= 6; y++)
        {
            for (int x = 2; x <= 6; x++)
            {
                bool centre = x is >= 3 and <= 5 && y is >= 3 and <= 5;
                pixels[(y * 9) + x] = centre ? 0f : 1f;
            }
        }

        return pixels;
    }

    [Fact]
    public void A_dark_region_enclosed_by_the_object_belongs_to_it()
    {
        var mask = SolidObjectMask.AboveFraction(Ring(), 9, 0.1);

        Assert.True(mask[(4 * 9) + 4], "the enclosed centre");
        Assert.True(mask[(2 * 9) + 2], "the ring itself");
        Assert.False(mask[0], "the corner outside");
        Assert.Equal(25, mask.Count(inside => inside));
    }

    [Fact]
    public void An_image_spanning_more_than_the_float_range_still_has_its_object()
    {
        // min + (max - min) * fraction overflowed to an infinite threshold, above every pixel.
        var pixels = Ring().Select(v => v == 1f ? 3e38f : -3e38f).ToArray();

        var mask = SolidObjectMask.AboveFraction(pixels, 9, 0.1);

        Assert.Equal(25, mask.Count(inside => inside));
        Assert.True(mask[(4 * 9) + 4], "the enclosed centre");
    }

    [Fact]
    public void A_dark_notch_open_to_the_border_stays_background()
    {
        var pixels = Ring();
        // Open the ring's left side, so the centre connects to the outside through (2, 4).
        pixels[(4 * 9) + 2] = 0f;

        var mask = SolidObjectMask.AboveFraction(pixels, 9, 0.1);

        Assert.False(mask[(4 * 9) + 4]);
        Assert.False(mask[(4 * 9) + 2]);
        Assert.Equal(15, mask.Count(inside => inside));
    }

    [Fact]
    public void A_diagonal_gap_does_not_open_a_hole_because_background_connects_only_through_edges()
    {
        // A diamond-shaped outline whose sides touch only at corners still encloses its centre.
        var pixels = new float[25];
        foreach (var (x, y) in new[] { (2, 1), (1, 2), (3, 2), (2, 3) })
        {
            pixels[(y * 5) + x] = 1f;
        }

        var mask = SolidObjectMask.AboveFraction(pixels, 5, 0.5);

        Assert.True(mask[(2 * 5) + 2]);
        Assert.Equal(5, mask.Count(inside => inside));
    }

    [Fact]
    public void A_flat_image_has_no_object()
    {
        Assert.DoesNotContain(true, SolidObjectMask.AboveFraction(new float[16], 4, 0.1));
        Assert.DoesNotContain(true, SolidObjectMask.AboveFraction(Enumerable.Repeat(3f, 16).ToArray(), 4, 0.1));
    }

    [Fact]
    public void A_mask_that_is_not_whole_rows_is_refused_naming_the_sizes()
    {
        var error = Assert.Throws<ArgumentException>(() => SolidObjectMask.FillHoles(new bool[10], 4));

        Assert.Contains("10", error.Message, StringComparison.Ordinal);
        Assert.Contains("4", error.Message, StringComparison.Ordinal);
    }
}
