using static TorchSharp.torch;

namespace Synomaly.Diffusion.Noise;

/// <summary>One generator for the whole batch, as the reference's <c>torch.randn</c> of the batch (<see cref="Inference.NoiseSeeding.Batch"/>).</summary>
internal sealed class BatchSeededStageNoise : StageNoise
{
    private readonly Generator generator;
    private readonly Tensor buffer;

    public BatchSeededStageNoise(long seed, int draws, long batch, long[] sliceShape, Device device)
    {
        generator = SeededDraws.CpuGenerator(seed);
        buffer = empty([draws * batch, .. sliceShape], ScalarType.Float32, device);
    }

    public override Tensor Next() => SeededDraws.FillNormal(buffer, generator);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            buffer.Dispose();
            generator.Dispose();
        }
    }
}
