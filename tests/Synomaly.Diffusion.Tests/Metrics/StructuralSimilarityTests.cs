using Synomaly.Diffusion.Metrics;

namespace Synomaly.Diffusion.Tests.Metrics;

public sealed class StructuralSimilarityTests
{
    [Fact]
    public void An_image_is_perfectly_similar_to_itself()
    {
        float[] image = RandomImage(12, 10, 1);

        Assert.Equal(1.0, StructuralSimilarity.Compute(image, image, 12, 10), 12);
    }

    [Theory]
    [InlineData(12, 10, 2)]
    [InlineData(9, 9, 3)]
    public void Ssim_equals_the_window_by_window_definition(int height, int width, int seed)
    {
        float[] x = RandomImage(height, width, seed);
        float[] y = RandomImage(height, width, seed + 100).Select((v, i) => (0.5f * v) + (0.5f * x[i])).ToArray();

        Assert.Equal(Naive(x, y, height, width), StructuralSimilarity.Compute(x, y, height, width), 10);
    }

    [Fact]
    public void A_constant_image_has_no_data_range_and_gives_nan()
    {
        var flat = new float[64];
        Assert.True(double.IsNaN(StructuralSimilarity.Compute(flat, flat, 8, 8)));
    }

    private static float[] RandomImage(int height, int width, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, height * width).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray();
    }

    /// <summary>skimage's formula evaluated directly on every interior 7×7 window.</summary>
    private static double Naive(float[] x, float[] y, int height, int width)
    {
        double range = x.Max() - x.Min();
        double c1 = Math.Pow(0.01 * range, 2), c2 = Math.Pow(0.03 * range, 2);
        double total = 0;
        int count = 0;
        for (int cy = 3; cy < height - 3; cy++)
        {
            for (int cx = 3; cx < width - 3; cx++)
            {
                var a = new List<double>();
                var b = new List<double>();
                for (int dy = -3; dy <= 3; dy++)
                {
                    for (int dx = -3; dx <= 3; dx++)
                    {
                        a.Add(x[((cy + dy) * width) + cx + dx]);
                        b.Add(y[((cy + dy) * width) + cx + dx]);
                    }
                }

                double ma = a.Average(), mb = b.Average();
                double va = a.Sum(v => (v - ma) * (v - ma)) / 48, vb = b.Sum(v => (v - mb) * (v - mb)) / 48;
                double cov = a.Select((v, i) => (v - ma) * (b[i] - mb)).Sum() / 48;
                total += ((2 * ma * mb) + c1) * ((2 * cov) + c2) / (((ma * ma) + (mb * mb) + c1) * (va + vb + c2));
                count++;
            }
        }

        return total / count;
    }
}
