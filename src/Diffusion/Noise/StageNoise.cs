using Synomaly.Diffusion.Inference;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Noise;

/// <summary>
/// The Gaussian noise of the inference stages for one batch: [D·B,C,H,W], draw-major (rows d·B..d·B+B−1 are draw d), one
/// buffer refilled in place at every stage (so every slice draws at every stage, and a slice's noise does not depend on
/// when the others stop). Noise is drawn for every slice, running or not.
/// </summary>
public abstract class StageNoise : IDisposable
{
    /// <summary>The noise source <paramref name="seeding"/> asks for, for the slices <paramref name="x0"/> [B,C,H,W] (float32).</summary>
    public static StageNoise For(Tensor x0, int draws, NoiseSeeding seeding, long? seed)
    {
        ArgumentNullException.ThrowIfNull(x0);
        ArgumentOutOfRangeException.ThrowIfLessThan(draws, 1);
        long[] sliceShape = x0.shape[1..];
        return seeding switch
        {
            NoiseSeeding.Batch => new BatchSeededStageNoise(seed ?? Random.Shared.NextInt64(), draws, x0.shape[0], sliceShape, x0.device),
            // The pixels are hashed on the host: one copy of the input per call, beside the results' copies back.
            _ => new SliceSeededStageNoise(SeedsOf(x0, seed ?? 0), draws, sliceShape, x0.device),
        };
    }

    /// <summary>The next stage's noise (the same tensor every call, refilled).</summary>
    public abstract Tensor Next();

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected abstract void Dispose(bool disposing);

    private static long[] SeedsOf(Tensor x0, long salt)
    {
        using var host = x0.to(ScalarType.Float32).contiguous().cpu();
        int sliceLength = (int)(host.numel() / host.shape[0]);
        return SliceSeeds.OfBatch(host.data<float>().ToArray(), sliceLength, salt);
    }
}
