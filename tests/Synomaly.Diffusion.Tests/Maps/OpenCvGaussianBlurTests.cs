using Synomaly.Diffusion.Maps;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests.Maps;

public sealed class OpenCvGaussianBlurTests
{
    [Theory]
    [InlineData(11, 2.0)]
    [InlineData(15, 2.6)]
    [InlineData(17, 2.9)]
    public void Kernels_above_nine_taps_sample_a_gaussian_with_opencvs_sigma(int size, double sigma)
    {
        double[] kernel = OpenCvGaussianBlur.Kernel(size);
        double[] sampled = Enumerable.Range(0, size).Select(i => Math.Exp(-Math.Pow(i - size / 2, 2) / (2 * sigma * sigma))).ToArray();
        double total = sampled.Sum();

        Assert.Equal(1.0, kernel.Sum(), 12);
        for (int i = 0; i < size; i++)
        {
            Assert.Equal(sampled[i] / total, kernel[i], 12);
        }
    }

    [Fact]
    public void Small_kernels_use_opencvs_fixed_tables()
    {
        Assert.Equal([0.25, 0.5, 0.25], OpenCvGaussianBlur.Kernel(3));
        Assert.Equal([2 / 64.0, 7 / 64.0, 14 / 64.0, 18 / 64.0, 14 / 64.0, 7 / 64.0, 2 / 64.0], OpenCvGaussianBlur.Kernel(7));
        Assert.Equal(60 / 256.0, OpenCvGaussianBlur.Kernel(9)[4]);
        // With an explicit sigma the table is not used.
        Assert.NotEqual(0.5, OpenCvGaussianBlur.Kernel(3, 1.0)[1]);
    }

    [Theory]
    [InlineData(3.0, 25)]
    [InlineData(7.0, 57)]
    [InlineData(5.0, 41)]
    public void Kernel_size_for_sigma_follows_opencvs_float_rule(double sigma, int expected)
    {
        Assert.Equal(expected, OpenCvGaussianBlur.KernelSizeForSigma(sigma));
    }

    [Theory]
    [InlineData(-1, 5, 1)]
    [InlineData(-2, 5, 2)]
    [InlineData(5, 5, 3)]
    [InlineData(6, 5, 2)]
    [InlineData(-9, 5, 1)]
    [InlineData(3, 1, 0)]
    public void Border_reflect_101_matches_opencvs_border_interpolate(long p, long length, long expected)
    {
        Assert.Equal(expected, OpenCvGaussianBlur.Reflect101(p, length));
    }

    [Theory]
    [InlineData(5, 0.0)]
    [InlineData(25, 3.0)]
    public void Blur_equals_a_direct_two_pass_convolution_with_reflected_borders(int size, double sigma)
    {
        using var scope = NewDisposeScope();
        const int H = 9, W = 13;
        var generator = new TorchSharp.torch.Generator(3);
        var image = randn(2, 1, H, W, dtype: ScalarType.Float64, generator: generator);
        var blurred = OpenCvGaussianBlur.Apply(image, size, sigma);
        double[] k = OpenCvGaussianBlur.Kernel(size, sigma);
        double[] pixels = image.data<double>().ToArray();
        int r = size / 2;

        for (int b = 0; b < 2; b++)
        {
            var rows = new double[H * W];
            for (int y = 0; y < H; y++)
            {
                for (int x = 0; x < W; x++)
                {
                    double acc = 0;
                    for (int j = -r; j <= r; j++)
                    {
                        acc += k[j + r] * pixels[b * H * W + y * W + OpenCvGaussianBlur.Reflect101(x + j, W)];
                    }

                    rows[y * W + x] = acc;
                }
            }

            for (int y = 0; y < H; y++)
            {
                for (int x = 0; x < W; x++)
                {
                    double acc = 0;
                    for (int j = -r; j <= r; j++)
                    {
                        acc += k[j + r] * rows[OpenCvGaussianBlur.Reflect101(y + j, H) * W + x];
                    }

                    Assert.Equal(acc, blurred[b, 0, y, x].item<double>(), 12);
                }
            }
        }
    }
}
