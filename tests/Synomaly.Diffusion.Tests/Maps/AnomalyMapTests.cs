using Synomaly.Diffusion.Maps;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests.Maps;

public sealed class AnomalyMapTests
{
    /// <summary>The golden case of ALGORITHM.md 3.4: a zero image against a reconstruction with four painted squares.</summary>
    private static (Tensor X0, Tensor Reconstruction) GoldenPair()
    {
        var x0 = zeros(1, 1, 128, 128);
        var reconstruction = zeros(1, 1, 128, 128);
        reconstruction[0, 0, TensorIndex.Slice(40, 60), TensorIndex.Slice(40, 60)] = 1f;
        reconstruction[0, 0, TensorIndex.Slice(100, 106), TensorIndex.Slice(100, 106)] = 1f;
        reconstruction[0, 0, TensorIndex.Slice(0, 8), TensorIndex.Slice(120, 128)] = -1f;
        reconstruction[0, 0, TensorIndex.Slice(80, 84), TensorIndex.Slice(10, 14)] = 0.6f;
        return (x0, reconstruction);
    }

    [Theory]
    [InlineData(3, 0.1, 652, 508.8875)]
    [InlineData(5, 0.2, 620, 491.65625)]
    [InlineData(15, 0.3, 594, 424.16705)]
    [InlineData(17, 0.3, 606, 415.74155)]
    public void Golden_maps_of_the_specification_come_out_exactly(int kernel, double threshold, long count, double sum)
    {
        using var scope = NewDisposeScope();
        var (x0, reconstruction) = GoldenPair();
        using var map = AnomalyMap.Compute(x0, reconstruction, new AnomalyMapOptions(kernel, threshold));

        Assert.Equal(count, map.Scores[0].item<long>());
        Assert.Equal(count, map.Map.count_nonzero().item<long>());
        // The golden sums were accumulated in float32 and printed to 7-8 digits; this one is accumulated in float64.
        Assert.Equal(sum, map.Map.to_type(ScalarType.Float64).sum().item<double>(), 1e-4);
    }

    [Theory]
    [InlineData(3, 0.1, new long[] { 32, 60, 80, 480 })]
    [InlineData(15, 0.3, new long[] { 44, 78, 472 })]
    public void Component_sizes_before_spot_removal_match_the_specification(int kernel, double threshold, long[] expected)
    {
        using var scope = NewDisposeScope();
        var (x0, reconstruction) = GoldenPair();
        using var unfiltered = AnomalyMap.Compute(x0, reconstruction, new AnomalyMapOptions(kernel, threshold, MinComponentSize: 0));
        var (labels, _) = ConnectedComponents.Label(unfiltered.Mask.squeeze(1));
        var sizes = labels.flatten().masked_select(unfiltered.Mask.flatten()).unique(return_counts: true).counts!;
        var actual = sizes.data<long>().ToArray();
        Array.Sort(actual);

        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Maps_of_a_batch_equal_the_maps_of_each_image_alone()
    {
        using var scope = NewDisposeScope();
        var generator = new TorchSharp.torch.Generator(7);
        var x0 = rand(3, 1, 40, 36, generator: generator) * 2 - 1;
        var reconstruction = rand(3, 1, 40, 36, generator: generator) * 2 - 1;
        var options = new AnomalyMapOptions(5, 0.25, MinComponentSize: 6);
        using var batch = AnomalyMap.Compute(x0, reconstruction, options);

        for (int i = 0; i < 3; i++)
        {
            using var single = AnomalyMap.Compute(x0[i].unsqueeze(0), reconstruction[i].unsqueeze(0), options);
            Assert.True(single.Map[0].eq(batch.Map[i]).all().item<bool>());
            Assert.Equal(single.Scores[0].item<long>(), batch.Scores[i].item<long>());
        }

        Assert.True(batch.Scores.gt(0).all().item<bool>(), "random images should leave some large components");
    }

    [Fact]
    public void Identical_images_give_an_empty_map_and_zero_score()
    {
        using var scope = NewDisposeScope();
        var x0 = rand(2, 1, 32, 32);
        using var map = AnomalyMap.Compute(x0, x0.clone(), new AnomalyMapOptions(3, 0.1));

        Assert.Equal(0, map.Map.count_nonzero().item<long>());
        Assert.Equal(new long[] { 0, 0 }, map.Scores.data<long>().ToArray());
    }

    [Fact]
    public void Invalid_options_are_rejected_with_the_name_of_the_value()
    {
        using var scope = NewDisposeScope();
        var x0 = zeros(1, 1, 8, 8);
        var error = Assert.Throws<InvalidOptionException>(() => AnomalyMap.Compute(x0, x0, new AnomalyMapOptions(4, 0.1)));
        Assert.Equal("BlurKernel", error.ParamName);
        Assert.Throws<ArgumentException>(() => AnomalyMap.Compute(x0, zeros(1, 1, 8, 9), new AnomalyMapOptions(3, 0.1)));
    }
}
