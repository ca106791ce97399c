using Synomaly.Diffusion.Model;
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
}
