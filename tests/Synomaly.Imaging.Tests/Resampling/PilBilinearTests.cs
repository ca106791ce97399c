using Synomaly.Imaging.Resampling;

namespace Synomaly.Imaging.Tests.Resampling;

public sealed class PilBilinearTests
{
    [Fact]
    public void Halving_uses_a_widened_triangle_filter_like_pillow()
    {
        // Scale 2: support 2, centres 1 and 3; taps at offsets -0.5, 0.5, 1.5 weigh 0.75, 0.75, 0.25 (sum 1.75):
        // out0 = (3a + 3b + c) / 7 and out1 = (b + 3c + 3d) / 7, worked out by hand from Pillow's precompute_coeffs.
        var result = PilBilinear.Resize([0, 1, 2, 3], 4, 1, 2, 1);

        Assert.Equal(5f / 7, result[0], 6);
        Assert.Equal(16f / 7, result[1], 6);
    }

    [Fact]
    public void Doubling_interpolates_between_pixel_centres_and_clamps_at_the_edges()
    {
        var result = PilBilinear.Resize([0, 4], 2, 1, 4, 1);

        Assert.Equal([0f, 1f, 3f, 4f], result);
    }

    [Fact]
    public void Both_axes_are_filtered_horizontal_first()
    {
        // Rows 0..3 hold 0, 10, 20, 30 plus the column index: the result is separable, so each axis gives (5/7, 16/7).
        var image = new float[16];
        for (int y = 0; y < 4; y++)
        {
            for (int x = 0; x < 4; x++)
            {
                image[(y * 4) + x] = (10 * y) + x;
            }
        }

        var result = PilBilinear.Resize(image, 4, 4, 2, 2);

        Assert.Equal((10 * 5f / 7) + (5f / 7), result[0], 5);
        Assert.Equal((10 * 5f / 7) + (16f / 7), result[1], 5);
        Assert.Equal((10 * 16f / 7) + (5f / 7), result[2], 5);
        Assert.Equal((10 * 16f / 7) + (16f / 7), result[3], 5);
    }

    [Fact]
    public void Constant_images_stay_constant_at_any_size()
    {
        var image = Enumerable.Repeat(3.5f, 197 * 233).ToArray();

        Assert.All(PilBilinear.Resize(image, 197, 233, 128, 128), v => Assert.Equal(3.5f, v, 5));
        Assert.All(PilBilinear.Resize(image, 197, 233, 300, 50), v => Assert.Equal(3.5f, v, 5));
    }

    [Fact]
    public void Same_size_is_a_copy()
    {
        float[] image = [1, 2, 3, 4, 5, 6];

        Assert.Equal(image, PilBilinear.Resize(image, 3, 2, 3, 2));
    }

    [Fact]
    public void Downscaling_anti_aliases_a_checkerboard_to_its_mean()
    {
        var board = new float[64 * 64];
        for (int i = 0; i < board.Length; i++)
        {
            board[i] = ((i % 64) + (i / 64)) % 2;
        }

        var small = PilBilinear.Resize(board, 64, 64, 8, 8);

        // Interior outputs average many taps: close to 0.5 (plain bilinear sampling would give 0 or 1).
        Assert.All(small, v => Assert.InRange(v, 0.4f, 0.6f));
    }
}
