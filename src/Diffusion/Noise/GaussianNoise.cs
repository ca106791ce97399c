using static TorchSharp.torch;

namespace Synomaly.Diffusion.Noise;

/// <summary>Plain N(0, I) noise, the noise of every inference stage (the reference's Synomaly noise in inference mode).</summary>
public static class GaussianNoise
{
    /// <summary>Float32 standard normal noise of <paramref name="shape"/> on <paramref name="device"/>.</summary>
    public static Tensor Sample(long[] shape, Device device, Generator? generator = null) => SeededDraws.Normal(shape, device, generator);

    /// <summary>
    /// Refills <paramref name="buffer"/> with float32 standard normal noise in place and returns it: the same draws as
    /// <see cref="Sample"/> with the same generator state (libtorch's randn is normal_(0, 1) on a fresh tensor), without a new
    /// allocation per stage.
    /// </summary>
    public static Tensor SampleInto(Tensor buffer, Generator? generator = null) => SeededDraws.FillNormal(buffer, generator);

    /// <summary>A generator seeded with <paramref name="seed"/> (a CPU one, <see cref="SeededDraws"/>): the same seed gives the same draws on every device.</summary>
    public static Generator SeededGenerator(long seed) => SeededDraws.CpuGenerator(seed);
}
