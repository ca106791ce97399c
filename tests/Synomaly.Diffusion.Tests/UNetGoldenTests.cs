using Synomaly.Diffusion.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests;

/// <summary>
/// The checkpoint-free golden test of ALGORITHM.md section 1.8: the published 128-pixel configuration, filled with
/// deterministic weights, must give the reference's output statistics (topology, key order, head split, embedding order and
/// concat order all show in them). The expected values below are the t = 250 row of that section's table (one forward pass
/// of the 98.6-million-parameter model takes seconds on a CPU; the tiny parity tests cover other timesteps).
/// </summary>
public sealed class UNetGoldenTests
{
    [Fact]
    public void Published_model_with_formula_weights_reproduces_the_reference_statistics()
    {
        using var scope = NewDisposeScope();
        using var model = new UNet(UNetConfig.Published);
        FillGoldenWeights(model);
        model.eval();
        var i = arange(128, dtype: float64).unsqueeze(1);
        var j = arange(128, dtype: float64).unsqueeze(0);
        var x = ((0.05 * i).sin() * (0.03 * j).cos()).to_type(ScalarType.Float32).reshape(1, 1, 128, 128);

        Tensor y;
        using (inference_mode())
        {
            y = model.call(x, tensor(new long[] { 250 }));
        }

        // mean, std, Σ|y|, y[0,0], y[64,64], y[127,127], y[10,100]
        double[] expected = [-1.328224e-01, 4.506383, 21696.31, -2.507691, 3.607833e-03, 2.510301, 0.2869912];
        var image = y[0, 0].to_type(ScalarType.Float64);
        double[] actual =
        [
            image.mean().item<double>(), image.std().item<double>(), image.abs().sum().item<double>(),
            image[0, 0].item<double>(), image[64, 64].item<double>(), image[127, 127].item<double>(), image[10, 100].item<double>(),
        ];
        Assert.Equal(expected[0], actual[0], 1e-5);
        Assert.Equal(expected[1], actual[1], 1e-4);
        Assert.Equal(expected[2], actual[2], 0.05);
        for (int k = 3; k < 7; k++)
        {
            Assert.True(Math.Abs(expected[k] - actual[k]) < 1e-4, $"statistic {k}: expected {expected[k]}, got {actual[k]}");
        }

        // The new (non-legacy) q/k/v order would give y[10,100] = 0.3159252: the test tells the two apart.
        Assert.True(Math.Abs(actual[6] - 0.3159252) > 1e-2);
    }

    /// <summary>Entry k of the state_dict, element j (row-major): amp·sin(0.7j + 0.3k), +1 for GroupNorm weights; float64 then float32.</summary>
    internal static void FillGoldenWeights(nn.Module model)
    {
        using var noGrad = no_grad();
        int k = 0;
        foreach (var (key, parameter) in model.state_dict())
        {
            double amp = key.StartsWith("time_embed", StringComparison.Ordinal) || key.Contains(".emb_layers.", StringComparison.Ordinal) ? 0.2 : 0.05;
            bool groupNormWeight = key.EndsWith("in_layers.0.weight", StringComparison.Ordinal) || key.EndsWith("out_layers.0.weight", StringComparison.Ordinal)
                || key.EndsWith(".norm.weight", StringComparison.Ordinal) || key == "out.0.weight";
            using var values = (amp * ((0.7 * arange(parameter.numel(), dtype: float64)) + (0.3 * k)).sin()) + (groupNormWeight ? 1.0 : 0.0);
            parameter.copy_(values.to_type(ScalarType.Float32).reshape(parameter.shape));
            k++;
        }
    }
}
