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

    [Fact]
    public void Per_pixel_threshold_factors_raise_and_lower_theta_where_they_say()
    {
        using var scope = NewDisposeScope();
        var x0 = zeros(1, 1, 12, 12);
        var reconstruction = zeros(1, 1, 12, 12);
        reconstruction[0, 0, TensorIndex.Slice(0, 4), TensorIndex.Slice(0, 4)] = 0.15f;   // above θ, but under θ·2
        reconstruction[0, 0, TensorIndex.Slice(6, 10), TensorIndex.Slice(6, 10)] = 0.06f; // under θ, but above θ·0.5
        var scale = new float[12 * 12];
        for (int p = 0; p < scale.Length; p++)
        {
            scale[p] = (p / 12) < 4 && (p % 12) < 4 ? 2f : 0.5f;
        }

        using var plain = AnomalyMap.Compute(x0, reconstruction, new AnomalyMapOptions(1, 0.1, MinComponentSize: 0));
        using var scaled = AnomalyMap.Compute(x0, reconstruction, new AnomalyMapOptions(1, 0.1, MinComponentSize: 0, ThresholdScale: scale));

        Assert.Equal(16L, plain.Scores[0].item<long>());
        Assert.Equal(0.15f, plain.Map[0, 0, 1, 1].item<float>(), 1e-6f);
        Assert.Equal(16L, scaled.Scores[0].item<long>());
        Assert.Equal(0f, scaled.Map[0, 0, 1, 1].item<float>());
        Assert.Equal(0.06f, scaled.Map[0, 0, 7, 7].item<float>(), 1e-6f);
    }

    [Fact]
    public void Threshold_factors_uploaded_once_give_the_maps_of_factors_uploaded_per_call()
    {
        using var scope = NewDisposeScope();
        var (x0, reconstruction) = GoldenPair();
        x0 = x0.repeat(2, 1, 1, 1);
        reconstruction = reconstruction.repeat(2, 1, 1, 1);
        var factors = Enumerable.Range(0, 128 * 128).Select(p => (p % 128) < 64 ? 1.5f : 0.75f).ToArray();
        var options = new AnomalyMapOptions(5, 0.2, ThresholdScale: factors);
        var applies = tensor(new[] { true, false });

        using var uploaded = AnomalyMap.ThresholdFactors(options, 128, 128, x0.device);
        using var perCall = AnomalyMap.Compute(x0, reconstruction, options, applies);
        using var once = AnomalyMap.Compute(x0, reconstruction, options, applies, uploaded);

        Assert.Equal([1L, 1, 128, 128], uploaded!.shape);
        Assert.Equal(perCall.Map.data<float>().ToArray(), once.Map.data<float>().ToArray());
        Assert.Equal(perCall.Scores.data<long>().ToArray(), once.Scores.data<long>().ToArray());
        Assert.NotEqual(once.Scores[0].item<long>(), once.Scores[1].item<long>());
        Assert.Null(AnomalyMap.ThresholdFactors(new AnomalyMapOptions(5, 0.2), 128, 128, x0.device));
    }

    [Fact]
    public void Factors_of_one_give_the_reference_map_exactly()
    {
        using var scope = NewDisposeScope();
        var (x0, reconstruction) = GoldenPair();
        var ones = Enumerable.Repeat(1f, 128 * 128).ToArray();

        using var reference = AnomalyMap.Compute(x0, reconstruction, new AnomalyMapOptions(5, 0.2));
        using var scaled = AnomalyMap.Compute(x0, reconstruction, new AnomalyMapOptions(5, 0.2, ThresholdScale: ones));

        Assert.Equal(reference.Map.data<float>().ToArray(), scaled.Map.data<float>().ToArray());
    }

    [Fact]
    public void Threshold_factors_of_another_size_or_not_positive_are_refused_by_name()
    {
        using var scope = NewDisposeScope();
        var (x0, reconstruction) = GoldenPair();

        var error = Assert.Throws<InvalidOptionException>(() => AnomalyMap.Compute(x0, reconstruction, new AnomalyMapOptions(5, 0.2, ThresholdScale: Enumerable.Repeat(1f, 64 * 64).ToArray())));
        Assert.Equal("ThresholdScale", error.ParamName);
        Assert.Contains("128x128", error.Message, StringComparison.Ordinal);
        foreach (float bad in new[] { 0f, -1f, float.NaN, float.PositiveInfinity })
        {
            var scale = Enumerable.Repeat(1f, 128 * 128).ToArray();
            scale[77] = bad;
            error = Assert.Throws<InvalidOptionException>(() => AnomalyMap.Compute(x0, reconstruction, new AnomalyMapOptions(5, 0.2, ThresholdScale: scale)));
            Assert.Equal("ThresholdScale", error.ParamName);
        }
    }

    [Fact]
    public void Threshold_factors_apply_only_to_the_slices_marked_and_the_others_keep_the_single_threshold()
    {
        using var scope = NewDisposeScope();
        var x0 = zeros(2, 1, 12, 12);
        var reconstruction = zeros(2, 1, 12, 12);
        reconstruction[TensorIndex.Colon, 0, TensorIndex.Slice(0, 4), TensorIndex.Slice(0, 4)] = 0.15f; // above θ, under θ·2
        var scale = Enumerable.Repeat(2f, 12 * 12).ToArray();
        var options = new AnomalyMapOptions(1, 0.1, MinComponentSize: 0, ThresholdScale: scale);

        using var gated = AnomalyMap.Compute(x0, reconstruction, options, tensor(new[] { true, false }));
        using var everywhere = AnomalyMap.Compute(x0, reconstruction, options);

        Assert.Equal([0L, 16L], gated.Scores.data<long>().ToArray());
        Assert.Equal([0L, 0L], everywhere.Scores.data<long>().ToArray());
        Assert.Throws<ArgumentException>(() => AnomalyMap.Compute(x0, reconstruction, options, tensor(new[] { true })));
        Assert.Throws<ArgumentException>(() => AnomalyMap.Compute(x0, reconstruction, options, tensor(new[] { 1f, 0f })));
    }
}
