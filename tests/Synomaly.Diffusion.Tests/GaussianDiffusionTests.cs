using Synomaly.Diffusion.Schedules;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests;

public sealed class GaussianDiffusionTests
{
    private static readonly long[] TinyShape = [2, 1, 32, 32];

    [Fact]
    public void QSample_reproduces_the_reference_x_t_at_t_250()
    {
        using var scope = NewDisposeScope();
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        var x0 = ReferenceFixture.ReadTensor("tiny_stage_x0.f32", TinyShape);
        var noise = ReferenceFixture.ReadTensor("tiny_stage_noise.f32", TinyShape);
        var expected = ReferenceFixture.ReadTensor("tiny_stage_xt.f32", TinyShape);
        var t = full(2, 250L, dtype: int64);

        var xt = diffusion.QSample(x0, t, noise);

        Assert.Equal(expected.shape, xt.shape);
        Assert.True((xt - expected).abs().max().item<float>() < 1e-6f);
    }

    [Fact]
    public void PredictX0_inverts_QSample_and_clamps_to_the_unit_range()
    {
        using var scope = NewDisposeScope();
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        var x0 = linspace(-0.9, 0.9, 2 * 16).reshape(2, 1, 4, 4);
        var noise = sin(arange(32, dtype: float32)).reshape(2, 1, 4, 4);
        var t = tensor(new long[] { 3, 700 });
        var xt = diffusion.QSample(x0, t, noise);

        var recovered = diffusion.PredictX0(xt, t, noise, clamp: false);
        Assert.True((recovered - x0).abs().max().item<float>() < 1e-4f);

        var clamped = diffusion.PredictX0(xt, t, noise * 5);
        Assert.True(clamped.max().item<float>() <= 1f && clamped.min().item<float>() >= -1f);
        Assert.True(diffusion.PredictX0(xt, t, noise * 5, clamp: false).abs().max().item<float>() > 1f);
    }

    [Fact]
    public void Timesteps_are_gathered_per_sample()
    {
        using var scope = NewDisposeScope();
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        var xt = diffusion.QSample(ones(2, 1, 2, 2), tensor(new long[] { 0, 500 }), zeros(2, 1, 2, 2));
        Assert.Equal((float)Math.Sqrt(diffusion.AlphasCumprod[0]), xt[0, 0, 0, 0].item<float>());
        Assert.Equal((float)Math.Sqrt(diffusion.AlphasCumprod[500]), xt[1, 0, 1, 1].item<float>());
        Assert.Throws<ArgumentException>(() => diffusion.QSample(ones(2, 1, 2, 2), tensor(new long[] { 1, 2, 3 }), zeros(2, 1, 2, 2)));
    }

    [Fact]
    public void Mse_loss_is_the_mean_squared_noise_error()
    {
        using var scope = NewDisposeScope();
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var model = new ConstantEpsilon(0.25f);
        var x0 = zeros(2, 1, 4, 4);
        var noise = full(2, 1, 4, 4, 0.75f);

        var loss = diffusion.TrainingLoss(model, x0, tensor(new long[] { 5, 9 }), noise, LossType.Mse);

        Assert.Equal(0, loss.dim());
        Assert.Equal(0.25f, loss.item<float>(), 1e-6f);
    }

    [Fact]
    public void Vlb_loss_adds_the_kl_in_bits_for_t_above_zero()
    {
        using var scope = NewDisposeScope();
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var model = new ConstantEpsilon(0.1f);
        const double x0Value = 0.3, noiseValue = 0.5, epsValue = 0.1;
        const int t = 250;

        float loss = diffusion.TrainingLoss(model, full(1, 1, 2, 2, (float)x0Value), tensor(new long[] { t }),
            full(1, 1, 2, 2, (float)noiseValue), LossType.Vlb).item<float>();

        // The same computation by hand in float64 from the section 2.4 formulas.
        var tb = diffusion.Tables;
        double xt = (tb.SqrtAlphasCumprod[t] * x0Value) + (tb.SqrtOneMinusAlphasCumprod[t] * noiseValue);
        double x0Hat = Math.Clamp((tb.SqrtRecipAlphasCumprod[t] * xt) - (tb.SqrtRecipm1AlphasCumprod[t] * epsValue), -1, 1);
        double trueMean = (tb.PosteriorMeanCoef1[t] * x0Value) + (tb.PosteriorMeanCoef2[t] * xt);
        double modelMean = (tb.PosteriorMeanCoef1[t] * x0Hat) + (tb.PosteriorMeanCoef2[t] * xt);
        double lv1 = tb.PosteriorLogVarianceClipped[t], lv2 = tb.ModelLogVariance[t];
        double kl = 0.5 * (-1 + lv2 - lv1 + Math.Exp(lv1 - lv2) + ((trueMean - modelMean) * (trueMean - modelMean) * Math.Exp(-lv2)));
        double expected = (kl / Math.Log(2)) + ((epsValue - noiseValue) * (epsValue - noiseValue));

        Assert.Equal(expected, loss, 1e-5);
    }

    [Fact]
    public void Vlb_loss_uses_the_discretized_decoder_at_t_zero()
    {
        using var scope = NewDisposeScope();
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var model = new ConstantEpsilon(0f);
        // Pixels below −0.999, inside, and above 0.999 take the three branches of the decoder.
        var x0 = tensor(new float[] { -1f, 0.2f, 1f, 0.5f }).reshape(1, 1, 2, 2);
        var noise = zeros(1, 1, 2, 2);
        var t = tensor(new long[] { 0 });

        float loss = diffusion.TrainingLoss(model, x0, t, noise, LossType.Vlb).item<float>();

        var tb = diffusion.Tables;
        double logScale = 0.5 * tb.ModelLogVariance[0];
        static double Cdf(double z) => 0.5 * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (z + (0.044715 * z * z * z))));
        double nll = 0;
        foreach (double x in new[] { -1.0, 0.2, 1.0, 0.5 })
        {
            double xt = tb.SqrtAlphasCumprod[0] * x;
            double x0Hat = Math.Clamp(tb.SqrtRecipAlphasCumprod[0] * xt, -1, 1);
            double mean = (tb.PosteriorMeanCoef1[0] * x0Hat) + (tb.PosteriorMeanCoef2[0] * xt);
            double inv = Math.Exp(-logScale), c = x - mean;
            double plus = Cdf(inv * (c + (1 / 255.0))), minus = Cdf(inv * (c - (1 / 255.0)));
            double logP = x < -0.999 ? Math.Log(Math.Max(plus, 1e-12)) : x > 0.999 ? Math.Log(Math.Max(1 - minus, 1e-12)) : Math.Log(Math.Max(plus - minus, 1e-12));
            nll -= logP / 4;
        }

        Assert.Equal(nll / Math.Log(2), loss, 2e-4);
        Assert.True(loss > 0);
    }

    [Fact]
    public void Diffusion_operations_leave_no_live_tensors_behind()
    {
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);
        using var model = new ConstantEpsilon(0.2f);
        using var warm = NewDisposeScope();
        var x0 = zeros(2, 1, 4, 4);
        var noise = ones(2, 1, 4, 4);
        var t = tensor(new long[] { 0, 10 });
        diffusion.QSample(x0, t, noise).Dispose(); // uploads the tables once
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;

        diffusion.TrainingLoss(model, x0, t, noise, LossType.Vlb).Dispose();
        diffusion.PredictX0(x0, t, noise).Dispose();

        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    /// <summary>A stand-in network that predicts the same ε everywhere.</summary>
    private sealed class ConstantEpsilon(float value) : nn.Module<Tensor, Tensor, Tensor>("constant_eps")
    {
        public override Tensor forward(Tensor input1, Tensor input2) => full_like(input1, value);
    }
}
