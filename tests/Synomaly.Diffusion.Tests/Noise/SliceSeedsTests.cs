using Synomaly.Diffusion.Noise;

namespace Synomaly.Diffusion.Tests.Noise;

public sealed class SliceSeedsTests
{
    [Fact]
    public void A_seed_follows_the_pixels_and_the_salt_only()
    {
        float[] pixels = [0.5f, -0.25f, 1f, 0f];

        Assert.Equal(SliceSeeds.Of(pixels, 7), SliceSeeds.Of([.. pixels], 7));
        Assert.NotEqual(SliceSeeds.Of(pixels, 7), SliceSeeds.Of(pixels, 8));
        Assert.NotEqual(SliceSeeds.Of(pixels, 7), SliceSeeds.Of([0.5f, -0.25f, 1f, 1e-7f], 7));
    }

    [Fact]
    public void A_batch_s_seeds_are_its_slices_seeds_in_order()
    {
        float[] a = [1f, 2f, 3f], b = [4f, 5f, 6f];

        Assert.Equal([SliceSeeds.Of(a, 3), SliceSeeds.Of(b, 3)], SliceSeeds.OfBatch([.. a, .. b], 3, 3));
        Assert.Throws<ArgumentException>(() => SliceSeeds.OfBatch([1f, 2f, 3f, 4f], 3, 0));
    }
}
