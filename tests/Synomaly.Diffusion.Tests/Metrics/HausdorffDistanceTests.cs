using Synomaly.Diffusion.Metrics;

namespace Synomaly.Diffusion.Tests.Metrics;

public sealed class HausdorffDistanceTests
{
    private static bool[] Pixels(int height, int width, params (int Y, int X)[] on)
    {
        var mask = new bool[height * width];
        foreach (var (y, x) in on)
        {
            mask[(y * width) + x] = true;
        }

        return mask;
    }

    [Fact]
    public void Two_single_pixels_are_their_euclidean_distance_apart()
    {
        Assert.Equal(5.0, HausdorffDistance.Percentile95(Pixels(8, 8, (0, 0)), Pixels(8, 8, (3, 4)), 8, 8), 12);
    }

    [Fact]
    public void Identical_masks_are_zero_apart_and_an_empty_mask_is_infinitely_far()
    {
        var square = Pixels(6, 6, (1, 1), (1, 2), (2, 1), (2, 2));

        Assert.Equal(0.0, HausdorffDistance.Percentile95(square, square, 6, 6));
        Assert.Equal(0.0, HausdorffDistance.Percentile95(new bool[36], new bool[36], 6, 6));
        Assert.Equal(double.PositiveInfinity, HausdorffDistance.Percentile95(square, new bool[36], 6, 6));
    }

    [Theory]
    [InlineData(1, 0.3)]
    [InlineData(2, 0.6)]
    [InlineData(3, 0.1)]
    public void Hd95_equals_the_all_pairs_definition_on_random_masks(int seed, double density)
    {
        const int H = 23, W = 19;
        var random = new Random(seed);
        bool[] a = Enumerable.Range(0, H * W).Select(_ => random.NextDouble() < density).ToArray();
        bool[] b = Enumerable.Range(0, H * W).Select(_ => random.NextDouble() < density).ToArray();

        double expected = Math.Max(DirectedByAllPairs(a, b, H, W), DirectedByAllPairs(b, a, H, W));

        Assert.Equal(expected, HausdorffDistance.Percentile95(a, b, H, W), 9);
    }

    [Fact]
    public void Reference_row_profile_distance_of_a_hand_counted_case()
    {
        // Rows of the truth: 1100, 0000, 0000; of the prediction: 1000, 0000, 0000.
        // Nearest-row distances are [1, 0, 0] both ways (one differing pixel = 1); numpy's 95th percentile of [0, 0, 1] is 0.9.
        bool[] truth = [true, true, false, false, false, false, false, false, false, false, false, false];
        bool[] predicted = [true, false, false, false, false, false, false, false, false, false, false, false];

        Assert.Equal(0.9, HausdorffDistance.ReferenceRowProfile95(truth, predicted, 3, 4), 12);
    }

    [Fact]
    public void Percentile_interpolates_linearly_like_numpy()
    {
        Assert.Equal(3.85, HausdorffDistance.Percentile([4, 1, 2, 3], 95), 12);
        Assert.Equal(7.0, HausdorffDistance.Percentile([7], 95));
    }

    /// <summary>Boundary pixels found by scanning neighbours, distances by trying every pair.</summary>
    private static double DirectedByAllPairs(bool[] from, bool[] to, int height, int width)
    {
        var source = Boundary(from, height, width);
        var target = Boundary(to, height, width);
        var distances = source.Select(p => target.Min(q => Math.Sqrt(Math.Pow(p.Y - q.Y, 2) + Math.Pow(p.X - q.X, 2)))).ToArray();
        return HausdorffDistance.Percentile(distances, 95);
    }

    private static List<(int Y, int X)> Boundary(bool[] mask, int height, int width)
    {
        bool On(int y, int x) => y >= 0 && x >= 0 && y < height && x < width && mask[(y * width) + x];
        var edge = new List<(int, int)>();
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                if (On(y, x) && !(On(y - 1, x) && On(y + 1, x) && On(y, x - 1) && On(y, x + 1)))
                {
                    edge.Add((y, x));
                }
            }
        }

        return edge;
    }
}
