using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Model;

/// <summary>
/// Draws a fresh UNet's starting weights again from a generator of its own, seeded from the run's seed, so that a seeded
/// training run starts from the same weights every time. Construction draws from libtorch's process-wide default
/// generator, which no seed of ours reaches and which any other draw in the process moves; seeding that generator around
/// the construction would still race with other threads. The distribution is the one construction used (PyTorch's
/// defaults for convolutions and linears: weight and bias uniform in ±1/√fan-in, the reference's as well); layers that
/// construction zeroed (the reference's <c>zero_module</c> output convolutions) stay zero, and GroupNorm keeps its ones
/// and zeros.
/// </summary>
public static class SeededInitialisation
{
    /// <summary>
    /// Kept apart from the training generator's own seed, so that the starting weights and the first batch's draws do not
    /// come from one and the same stream.
    /// </summary>
    private const ulong Salt = 0x9E37_79B9_7F4A_7C15;

    public static void Apply(UNet model, long seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)seed ^ Salt, CPU);
        // By parameter name: a convolution's or linear's "x.weight" (two or more dimensions) goes with its "x.bias".
        var parameters = model.named_parameters().ToList();
        var byName = parameters.ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal);
        foreach (var (name, weight) in parameters)
        {
            if (!name.EndsWith(".weight", StringComparison.Ordinal) || weight.dim() < 2 || IsZero(weight))
            {
                continue;
            }

            double bound = 1 / Math.Sqrt(weight.numel() / (double)weight.shape[0]);
            Redraw(weight, bound, generator);
            if (byName.TryGetValue(name[..^".weight".Length] + ".bias", out var bias))
            {
                Redraw(bias, bound, generator);
            }
        }
    }

    private static bool IsZero(Tensor weight)
    {
        using var any = weight.count_nonzero();
        return any.item<long>() == 0;
    }

    /// <summary>
    /// Drawn on the CPU, where TorchSharp's generators live, and copied into the parameter wherever it is. Tensor.uniform_,
    /// not nn.init.uniform_: TorchSharp 0.107's init function takes a generator and draws from the default one anyway.
    /// </summary>
    private static void Redraw(Tensor parameter, double bound, Generator generator)
    {
        using var values = empty(parameter.shape, ScalarType.Float32, CPU);
        values.uniform_(-bound, bound, generator);
        parameter.copy_(values);
    }
}
