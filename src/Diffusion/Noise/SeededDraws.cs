using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Noise;

/// <summary>
/// Random draws from a seeded generator, for any device. TorchSharp 0.107 only makes CPU generators
/// (<c>THSGenerator_new</c> ignores its device), and libtorch refuses a CPU generator for a CUDA draw ("Expected a 'cuda'
/// device type for generator"), so a seeded draw is made on the CPU and copied to the device. The values are then the same
/// on every device: a seed means the same noise on a CPU and on a GPU. Without a generator the device's own default
/// generator draws in place.
/// </summary>
public static class SeededDraws
{
    /// <summary>A generator that every draw here accepts: a CPU generator seeded with <paramref name="seed"/>.</summary>
    public static Generator CpuGenerator(long seed) => new((ulong)seed, CPU);

    /// <summary>
    /// Float32 standard normal values of <paramref name="shape"/> on <paramref name="device"/>: the Gaussian noise of every
    /// inference stage (the reference's Synomaly noise in inference mode) and of Synomaly noise in training.
    /// </summary>
    public static Tensor Normal(long[] shape, Device device, Generator? generator) =>
        OnDevice(randn(shape, dtype: ScalarType.Float32, device: HostOr(device, generator), generator: generator), device);

    /// <summary>Float32 values uniform in [0, 1) of <paramref name="shape"/> on <paramref name="device"/>.</summary>
    public static Tensor Uniform(long[] shape, Device device, Generator? generator) =>
        OnDevice(rand(shape, dtype: ScalarType.Float32, device: HostOr(device, generator), generator: generator), device);

    /// <summary>Int64 values uniform in [0, <paramref name="high"/>) of <paramref name="shape"/> on <paramref name="device"/>.</summary>
    public static Tensor Integers(long high, long[] shape, Device device, Generator? generator) =>
        OnDevice(randint(0, high, shape, dtype: ScalarType.Int64, device: HostOr(device, generator), generator: generator), device);

    /// <summary>
    /// Refills <paramref name="buffer"/> (float32, any device) with standard normal values in place and returns it: the same
    /// values as <see cref="Normal"/> with the same generator state (libtorch's randn is normal_(0, 1) on a fresh tensor),
    /// without a new device tensor per stage.
    /// </summary>
    public static Tensor FillNormal(Tensor buffer, Generator? generator)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        if (generator is null || buffer.device.type == DeviceType.CPU)
        {
            return buffer.normal_(0, 1, generator);
        }

        // A fresh contiguous tensor filled by normal_ holds the same values as randn with that generator state.
        using var host = empty(buffer.shape, ScalarType.Float32, CPU);
        host.normal_(0, 1, generator);
        return buffer.copy_(host);
    }

    private static Device HostOr(Device device, Generator? generator) => generator is null ? device : CPU;

    private static Tensor OnDevice(Tensor drawn, Device device)
    {
        if (drawn.device.type == device.type && drawn.device.index == device.index)
        {
            return drawn;
        }

        using (drawn)
        {
            return drawn.to(device);
        }
    }
}
