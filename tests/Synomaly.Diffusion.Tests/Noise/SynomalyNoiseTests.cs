using Synomaly.Diffusion.Maps;
using Synomaly.Diffusion.Noise;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests.Noise;

public sealed class SynomalyNoiseTests
{
    private static readonly Device Cpu = CPU;

    [Fact]
    public void The_same_seed_gives_the_same_noise_and_another_seed_does_not()
    {
        using var scope = NewDisposeScope();
        var options = SynomalyNoiseOptions.Brats with { Directions = [1, -1] };
        var a = SynomalyNoise.Sample([4, 1, 32, 32], options, Cpu, SeededDraws.CpuGenerator(5));
        var b = SynomalyNoise.Sample([4, 1, 32, 32], options, Cpu, SeededDraws.CpuGenerator(5));
        var c = SynomalyNoise.Sample([4, 1, 32, 32], options, Cpu, SeededDraws.CpuGenerator(6));

        Assert.True(a.eq(b).all().item<bool>());
        Assert.False(a.eq(c).all().item<bool>());
    }

    [Fact]
    public void Blobs_are_the_pixels_whose_rescaled_blur_exceeds_the_threshold_in_each_image()
    {
        using var scope = NewDisposeScope();
        const int H = 20, W = 24;
        var options = new SynomalyNoiseOptions(Sigma: 2, Threshold: 150, Offset: 0.5, Directions: [1]);
        var gaussian = randn(2, 1, H, W, dtype: ScalarType.Float64, generator: new TorchSharp.torch.Generator(21));
        var blobs = SynomalyNoise.Blobs(gaussian, options);
        double[] k = OpenCvGaussianBlur.Kernel(OpenCvGaussianBlur.KernelSizeForSigma(2), 2);
        int r = k.Length / 2;

        for (int b = 0; b < 2; b++)
        {
            // Direct 2-D convolution with reflected borders, then min-max rescale to 0..255: the independent answer.
            double[,] n = new double[H, W];
            for (int y = 0; y < H; y++)
            {
                for (int x = 0; x < W; x++)
                {
                    n[y, x] = gaussian[b, 0, y, x].item<double>();
                }
            }

            var blurred = new double[H, W];
            for (int y = 0; y < H; y++)
            {
                for (int x = 0; x < W; x++)
                {
                    double acc = 0;
                    for (int i = -r; i <= r; i++)
                    {
                        for (int j = -r; j <= r; j++)
                        {
                            acc += k[i + r] * k[j + r] * n[OpenCvGaussianBlur.Reflect101(y + i, H), OpenCvGaussianBlur.Reflect101(x + j, W)];
                        }
                    }

                    blurred[y, x] = acc;
                }
            }

            double min = blurred.Cast<double>().Min(), max = blurred.Cast<double>().Max();
            int expectedCount = 0;
            for (int y = 0; y < H; y++)
            {
                for (int x = 0; x < W; x++)
                {
                    double scaled = (blurred[y, x] - min) / (max - min) * 255;
                    if (Math.Abs(scaled - 150) < 1e-6)
                    {
                        continue; // too close to the threshold to call
                    }

                    bool expected = scaled > 150;
                    expectedCount += expected ? 1 : 0;
                    Assert.Equal(expected ? 1.0 : 0.0, blobs[b, 0, y, x].item<double>());
                }
            }

            Assert.InRange(expectedCount, 1, H * W - 1);
        }
    }

    [Fact]
    public void Noise_is_the_gaussian_plus_one_signed_intensity_per_image_on_its_blobs()
    {
        using var scope = NewDisposeScope();
        var options = SynomalyNoiseOptions.Brats;
        var gaussian = randn(3, 1, 32, 32, generator: new TorchSharp.torch.Generator(2));
        var direction = tensor(new[] { 1f, -1f, 1f });
        var intensity = tensor(new[] { 0.5f, 1.25f, 1.49f });
        var noise = SynomalyNoise.Compose(gaussian, options, direction, intensity);
        var blobs = SynomalyNoise.Blobs(gaussian, options);
        var shift = noise - gaussian;

        for (int b = 0; b < 3; b++)
        {
            float expected = direction[b].item<float>() * intensity[b].item<float>();
            Assert.True(shift[b].masked_select(blobs[b].gt(0)).sub(expected).abs().max().item<float>() < 1e-6f);
            Assert.Equal(0f, shift[b].masked_select(blobs[b].eq(0)).abs().max().item<float>());
        }
    }

    [Fact]
    public void The_region_mask_forbids_blobs_only_where_it_is_exactly_minus_one()
    {
        using var scope = NewDisposeScope();
        var options = new SynomalyNoiseOptions(3, 100, 0.5, [1]);
        var gaussian = randn(2, 1, 32, 32, generator: new TorchSharp.torch.Generator(4));
        var region = full(1, 1, 32, 32, -1f);
        region[TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Colon, TensorIndex.Slice(0, 16)] = -0.999f;
        var free = SynomalyNoise.Blobs(gaussian, options);
        var masked = SynomalyNoise.Blobs(gaussian, options, region);
        var left = TensorIndex.Slice(0, 16);
        var right = TensorIndex.Slice(16, 32);

        Assert.Equal(0, masked[TensorIndex.Ellipsis, right].count_nonzero().item<long>());
        Assert.True(masked[TensorIndex.Ellipsis, left].eq(free[TensorIndex.Ellipsis, left]).all().item<bool>());
        Assert.True(free[TensorIndex.Ellipsis, right].count_nonzero().item<long>() > 0);
    }

    [Fact]
    public void Directions_are_drawn_per_image_and_intensities_lie_in_offset_to_offset_plus_one()
    {
        using var scope = NewDisposeScope();
        var options = new SynomalyNoiseOptions(3, 0, 0.75, [1, -1]);
        // Each image's shift is 0 off the blobs and d·a on them, so amax + amin of the shift is d·a.
        var generator = SeededDraws.CpuGenerator(9);
        var noise = SynomalyNoise.Sample([64, 1, 16, 16], options, Cpu, generator);
        var reference = SeededDraws.Normal([64, 1, 16, 16], Cpu, SeededDraws.CpuGenerator(9));
        var shift = (noise - reference).flatten(1);
        var shifts = shift.amax(1) + shift.amin(1);
        float[] values = shifts.data<float>().ToArray();

        Assert.Contains(values, v => v > 0);
        Assert.Contains(values, v => v < 0);
        Assert.All(values, v => Assert.InRange(Math.Abs(v), 0.75f, 1.75f));
    }

    [Theory]
    [InlineData(3, 175, 0.08, 0.125)]
    [InlineData(7, 150, 0.25, 0.37)]
    public void Blob_coverage_matches_the_reference_statistics(double sigma, double threshold, double low, double high)
    {
        // ALGORITHM.md 2.5: σ 3 / τ 175 covers about 10.2 % of a 128x128 image, σ 7 / τ 150 about 31 %.
        using var scope = NewDisposeScope();
        var options = new SynomalyNoiseOptions(sigma, threshold, 0.5, [1]);
        var gaussian = SeededDraws.Normal([48, 1, 128, 128], Cpu, SeededDraws.CpuGenerator(17));
        double coverage = SynomalyNoise.Blobs(gaussian, options).mean().item<float>();

        Assert.InRange(coverage, low, high);
    }

    [Fact]
    public void Invalid_noise_parameters_are_rejected_by_name()
    {
        var error = Assert.Throws<InvalidOptionException>(() =>
            SynomalyNoise.Sample([1, 1, 8, 8], new SynomalyNoiseOptions(0, 175, 0.5, [1]), Cpu));
        Assert.Equal("Sigma", error.ParamName);
        error = Assert.Throws<InvalidOptionException>(() =>
            SynomalyNoise.Sample([1, 1, 8, 8], new SynomalyNoiseOptions(3, 175, 0.5, []), Cpu));
        Assert.Equal("Directions", error.ParamName);
        Assert.Throws<ArgumentException>(() => SynomalyNoise.Sample([1, 2, 8, 8], SynomalyNoiseOptions.Brats, Cpu));
    }

    [Theory]
    [InlineData(255)]
    [InlineData(999)]
    [InlineData(-1)]
    [InlineData(double.NaN)]
    public void A_threshold_that_would_draw_no_blob_or_blob_every_pixel_is_rejected_by_name(double threshold)
    {
        var error = Assert.Throws<InvalidOptionException>(() =>
            SynomalyNoise.Sample([1, 1, 8, 8], new SynomalyNoiseOptions(3, threshold, 0.5, [1]), Cpu));

        Assert.Equal("Threshold", error.ParamName);
        Assert.Contains("below 255", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Directions_parse_from_a_comma_list_and_a_bad_entry_is_named()
    {
        Assert.Equal([1.0, -1.0], SynomalyNoiseOptions.ParseDirections("1, -1"));
        Assert.Equal([-1.0], SynomalyNoiseOptions.ParseDirections("-1"));

        var error = Assert.Throws<InvalidOptionException>(() => SynomalyNoiseOptions.ParseDirections("1,up"));
        Assert.Contains("'up' is not an anomaly direction", error.Message, StringComparison.Ordinal);
        Assert.Equal("Directions", error.ParamName);
        Assert.Throws<InvalidOptionException>(() => SynomalyNoiseOptions.ParseDirections("0"));
    }
}
