using static TorchSharp.torch;

namespace Synomaly.Diffusion.Noise;

/// <summary>Plain N(0, I) noise, the noise of every inference stage (the reference's Synomaly noise in inference mode).</summary>
public static class GaussianNoise
{
    /// <summary>Float32 standard normal noise of <paramref name="shape"/> on <paramref name="device"/>.</summary>
    public static Tensor Sample(long[] shape, Device device, Generator? generator = null) =>
        randn(shape, dtype: ScalarType.Float32, device: device, generator: generator);

    /// <summary>
    /// Refills <paramref name="buffer"/> with float32 standard normal noise in place and returns it: the same draws as
    /// <see cref="Sample"/> with the same generator state (libtorch's randn is normal_(0, 1) on a fresh tensor), without a new
    /// allocation per stage.
    /// </summary>
    public static Tensor SampleInto(Tensor buffer, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        return buffer.normal_(0, 1, generator);
    }

    /// <summary>A generator on <paramref name="device"/> seeded with <paramref name="seed"/>: the same seed gives the same draws on that device.</summary>
    public static Generator SeededGenerator(long seed, Device device) => new((ulong)seed, device);
}
