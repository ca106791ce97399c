using static TorchSharp.torch;

namespace Synomaly.Diffusion.Model;

/// <summary>The sinusoidal timestep embedding of the reference's <c>nn.timestep_embedding</c>: cosines first, then sines.</summary>
public static class TimestepEmbedding
{
    public static Tensor Sinusoidal(Tensor timesteps, int dim, double maxPeriod = 10000)
    {
        ArgumentNullException.ThrowIfNull(timesteps);
        using var scope = NewDisposeScope();
        int half = dim / 2;
        // Same float32 order of operations as the reference: exp(-ln(P) · arange(half) / half).
        var freqs = arange(0, half, dtype: ScalarType.Float32, device: timesteps.device).Times(-Math.Log(maxPeriod)).DividedBy(half).exp();
        var args = timesteps.to_type(ScalarType.Float32).unsqueeze(1) * freqs.unsqueeze(0);
        var embedding = cat([args.cos(), args.sin()], 1);
        if (dim % 2 == 1)
        {
            embedding = cat([embedding, zeros_like(embedding[.., ..1])], 1);
        }

        return embedding.MoveToOuterDisposeScope();
    }
}
