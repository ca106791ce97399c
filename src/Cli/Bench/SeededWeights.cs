using Synomaly.Diffusion.Model;
using static TorchSharp.torch;

namespace Synomaly.Cli.Bench;

/// <summary>
/// Deterministic random weights for speed and parity runs of configurations without a checkpoint. Every layer gets non-zero
/// weights (the zero-initialised output convolutions included), scaled by 1/√fan-in so that activations stay O(1) through
/// the depth, so the ε output, the reconstructions and the anomaly maps are non-trivial. The same seed gives the same
/// weights on every device (drawn on the CPU).
/// </summary>
public static class SeededWeights
{
    public static void Fill(UNet model, long seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var generator = new Generator((ulong)seed);
        var normParameters = model.named_modules().Where(m => m.module is GroupNorm32)
            .SelectMany(m => new[] { m.name + ".weight", m.name + ".bias" }).ToHashSet(StringComparer.Ordinal);
        foreach (var (name, parameter) in model.named_parameters())
        {
            var draw = randn(parameter.shape, dtype: ScalarType.Float32, device: CPU, generator: generator);
            Tensor values;
            if (normParameters.Contains(name))
            {
                values = name.EndsWith(".weight", StringComparison.Ordinal) ? 1 + (0.1 * draw) : 0.1 * draw;
            }
            else if (parameter.dim() >= 2)
            {
                double fanIn = parameter.numel() / (double)parameter.shape[0];
                values = draw / Math.Sqrt(fanIn);
            }
            else
            {
                values = 0.01 * draw;
            }

            parameter.copy_(values.to_type(parameter.dtype));
        }
    }
}
