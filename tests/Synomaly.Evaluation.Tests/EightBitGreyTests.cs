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
}
