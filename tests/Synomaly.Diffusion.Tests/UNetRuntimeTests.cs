using Synomaly.Diffusion.Model;
using Synomaly.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests;

public sealed class UNetRuntimeTests
{
    [Fact]
    public void A_forward_pass_leaves_no_live_tensors_behind()
    {
        using var model = ReferenceParityTests.LoadTinyModel();
        using var x = randn(2, 1, 32, 32);
        using var t = tensor(new long[] { 3, 900 });
        using var inference = inference_mode();
        model.call(x, t).Dispose(); // warm-up: anything lazily created once is not a leak
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        using (var scope = NewDisposeScope())
        {
            var eps = model.call(x, t);
            Assert.Equal(x.shape, eps.shape);
        }

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void A_forward_pass_returns_only_its_result_to_the_caller_scope()
    {
        using var model = ReferenceParityTests.LoadTinyModel();
        using var scope = NewDisposeScope();
        var x = randn(1, 1, 32, 32);
        var t = tensor(new long[] { 10 });
        long before = scope.DisposablesCount;

        using (no_grad())
        {
            model.call(x, t);
        }

        Assert.Equal(before + 1, scope.DisposablesCount);
    }

    [Fact]
    public void Scaled_dot_product_attention_matches_the_explicit_kernel()
    {
        using var model = ReferenceParityTests.LoadTinyModel();
        using var scope = NewDisposeScope();
        var x = ReferenceFixture.ReadTensor("tiny_input_x.f32", 2, 1, 32, 32);
        var t = tensor(new long[] { 10, 500 });
        using var inference = inference_mode();
        var explicitEps = model.call(x, t);

        model.AttentionKernel = AttentionKernel.ScaledDotProduct;
        var fusedEps = model.call(x, t);

        Assert.Equal(AttentionKernel.ScaledDotProduct, model.AttentionKernel);
        Assert.True((explicitEps - fusedEps).abs().max().item<float>() < 1e-5f);
    }
    [Fact]
    public void Scaled_dot_product_attention_keeps_each_head_s_channels_with_several_heads()
    {
        using var scope = NewDisposeScope();
        using var block = new AttentionBlock(channels: 64, heads: 4);
        using var noGrad = no_grad();
        foreach (var parameter in block.parameters())
        {
            parameter.copy_(randn(parameter.shape, generator: new TorchSharp.torch.Generator(3)) * 0.3); // proj_out starts at zero
        }

        var x = randn([2, 64, 6, 5], generator: new TorchSharp.torch.Generator(4));
        var explicitOut = block.call(x);
        block.Kernel = AttentionKernel.ScaledDotProduct;
        var fusedOut = block.call(x);

        Assert.True((explicitOut - x).abs().max().item<float>() > 0.1f, "the block must change its input for the comparison to mean anything");
        Assert.True((explicitOut - fusedOut).abs().max().item<float>() < 1e-5f);

        // The layout libtorch's fused CUDA kernels accept: 4-D, unit stride along the head channels.
        var (q, k, v) = AttentionBlock.FusedKernelInputs(randn([2, 3 * 64, 30]), heads: 4);
        Assert.All(new[] { q, k, v }, t =>
        {
            Assert.Equal([2L, 4, 30, 16], t.shape);
            Assert.Equal(1L, t.stride(3));
        });
    }

    [Fact]
    public void Bfloat16_precision_keeps_group_norm_in_float32_and_stays_close_to_float32()
    {
        using var model = ReferenceParityTests.LoadTinyModel();
        using var scope = NewDisposeScope();
        var x = ReferenceFixture.ReadTensor("tiny_input_x.f32", 2, 1, 32, 32);
        var t = tensor(new long[] { 10, 500 });
        using var inference = inference_mode();
        var reference = model.call(x, t);

        model.UsePrecision(ScalarType.BFloat16);
        var reduced = model.call(x, t);

        Assert.Equal(ScalarType.BFloat16, model.ComputeType);
        Assert.Equal(ScalarType.Float32, reduced.dtype);
        var normParameters = model.named_modules().Where(m => m.module is GroupNorm32).SelectMany(m => new[] { m.name + ".weight", m.name + ".bias" }).ToHashSet();
        var normKeys = model.state_dict().Keys.Where(k => System.Text.RegularExpressions.Regex.IsMatch(k, @"(in_layers\.0|out_layers\.0|\.norm|^out\.0)\.(weight|bias)$")).ToHashSet();
        Assert.True(normKeys.SetEquals(normParameters) && normKeys.Count > 0);
        Assert.All(model.named_parameters(), p => Assert.Equal(normParameters.Contains(p.name) ? ScalarType.Float32 : ScalarType.BFloat16, p.parameter.dtype));
        // bfloat16 keeps 8 significant bits: the error relative to the output's scale is a few percent at most, never O(1).
        float error = (reduced - reference).abs().max().item<float>();
        float scale = reference.abs().max().item<float>();
        Assert.True(error < 0.05f * scale, $"bf16 max |error| {error} vs output scale {scale}");
        Assert.True(error > 0f, "bf16 must actually have run in reduced precision");
    }

    [Fact]
    public void Reduced_precision_keeps_group_norm_parameters_exact_and_refuses_to_go_back_to_float32()
    {
        using var model = new UNet(UNetStructureTests.TinyConfig);
        using var scope = NewDisposeScope();
        // Neither value is a bfloat16 (8 significant bits): a detour through it gives 1 and 0.10009766.
        const float Weight = 1f + (1f / 1024), Bias = 0.1f;
        var norms = model.modules().OfType<GroupNorm32>().ToList();
        using (no_grad())
        {
            foreach (var norm in norms)
            {
                norm.get_parameter("weight")!.fill_(Weight);
                norm.get_parameter("bias")!.fill_(Bias);
            }
        }

        model.UsePrecision(ScalarType.BFloat16);

        Assert.Equal(ScalarType.BFloat16, model.ComputeType);
        Assert.NotEmpty(norms);
        Assert.All(norms, norm =>
        {
            var (weight, bias) = (norm.get_parameter("weight")!, norm.get_parameter("bias")!);
            Assert.Equal((ScalarType.Float32, ScalarType.Float32), (weight.dtype, bias.dtype));
            Assert.All(weight.data<float>().ToArray(), value => Assert.Equal(Weight, value));
            Assert.All(bias.data<float>().ToArray(), value => Assert.Equal(Bias, value));
        });
        // The rounded weights cannot give the float32 values back: asking for float32 (or float16) is refused, and the
        // type the network already runs in is no change.
        var refusal = Assert.Throws<InvalidOperationException>(() => model.UsePrecision(ScalarType.Float32));
        Assert.Contains("Load the model again", refusal.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => model.UsePrecision(ScalarType.Float16));
        model.UsePrecision(ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, model.ComputeType);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_precision_switch_leaves_no_tensor_behind_once_the_network_is_disposed(bool channelsLast)
    {
        var config = new UNetConfig { ImageSize = 8, ModelChannels = 32, ChannelMult = "1", NumResBlocks = 1, AttentionResolutions = "1", NumHeadChannels = 32 };

        // UsePrecision converts leaf by leaf with Module.to(dtype), which must dispose each float32 parameter it replaces.
        LiveTensors.AssertLeavesOnlyWhatADisposedNetworkLeaves(config, () =>
        {
            using var model = new UNet(config);
            model.UseChannelsLast(channelsLast);
            model.UsePrecision(ScalarType.BFloat16);
        });
    }

    [Fact]
    public void Channels_last_layout_keeps_the_output_and_survives_a_precision_change()
    {
        using var model = ReferenceParityTests.LoadTinyModel();
        using var scope = NewDisposeScope();
        var x = ReferenceFixture.ReadTensor("tiny_input_x.f32", 2, 1, 32, 32);
        var t = tensor(new long[] { 10, 500 });
        var saved = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        using var inference = inference_mode();
        var reference = model.call(x, t);

        model.UseChannelsLast(true);
        var convWeights = model.modules().OfType<TorchSharp.Modules.Conv2d>().Select(c => c.weight!).Where(w => w.shape[1] > 1).ToList();
        var relaid = model.call(x, t);

        Assert.True(model.ChannelsLast);
        Assert.NotEmpty(convWeights);
        Assert.All(convWeights, w => Assert.True(MemoryLayout.IsChannelsLast(w)));
        Assert.True((relaid - reference).abs().max().item<float>() < 1e-5f);
        Assert.All(model.state_dict(), kv => Assert.True(kv.Value.allclose(saved[kv.Key], 0, 0), kv.Key));

        model.UseChannelsLast(false);
        Assert.All(model.modules().OfType<TorchSharp.Modules.Conv2d>(), c => Assert.True(c.weight!.is_contiguous()));
        Assert.True((model.call(x, t) - reference).abs().max().item<float>() < 1e-5f);

        model.UseChannelsLast(true);
        model.UsePrecision(ScalarType.BFloat16);
        Assert.All(model.modules().OfType<TorchSharp.Modules.Conv2d>().Select(c => c.weight!).Where(w => w.shape[1] > 1),
            w => Assert.True(w.dtype == ScalarType.BFloat16 && MemoryLayout.IsChannelsLast(w)));
        model.UseChannelsLast(false);
        Assert.All(model.modules().OfType<TorchSharp.Modules.Conv2d>(), c => Assert.True(c.weight!.is_contiguous() && c.weight!.dtype == ScalarType.BFloat16));
    }

    [Fact]
    public void Memory_layout_recognises_nhwc_strides_and_ignores_size_one_dimensions()
    {
        using var scope = NewDisposeScope();
        var image = randn(2, 3, 4, 5);
        var relaid = MemoryLayout.ToChannelsLast(image);

        Assert.False(MemoryLayout.IsChannelsLast(image));
        Assert.True(MemoryLayout.IsChannelsLast(relaid));
        Assert.Equal(image.shape, relaid.shape);
        Assert.Equal([60L, 1L, 15L, 3L], relaid.stride());
        Assert.True(relaid.allclose(image, 0, 0));
        Assert.True(MemoryLayout.IsChannelsLast(randn(8, 4, 1, 1)) && randn(8, 4, 1, 1).is_contiguous());
        Assert.Throws<ArgumentException>(() => MemoryLayout.ToChannelsLast(randn(2, 3, 4)));
    }
}
