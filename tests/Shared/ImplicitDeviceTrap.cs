using TorchSharp;
using static TorchSharp.torch;

// Compiled into each test project that runs tensor code (Diffusion, GpuWorker, Cli, Evaluation) as a linked file rather
// than living in Synomaly.Testing, which must not make every test project load libtorch.
namespace Synomaly.Testing;

/// <summary>
/// Runs an operation on real CPU tensors while libtorch's default device is META, so that every tensor the operation
/// creates without naming its device (tensor, zeros, ones, arange, full, empty, randn, … with no device argument) is a META
/// tensor that holds no data. The first operation mixing it with the CPU data then fails ("Expected all tensors to be on
/// the same device", "Cannot copy out of meta tensor", or a META kernel libtorch lacks), as such a tensor would fail on
/// CUDA; a tensor created on its input's device stays on the CPU and the operation runs with its real kernels, dtype checks
/// included. Tests using it belong to <see cref="ImplicitDeviceCollection"/>.
/// </summary>
internal static class ImplicitDeviceTrap
{
    private static readonly Device Meta = new(DeviceType.META);

    public static T Run<T>(Func<T> operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        var previous = get_default_device();
        set_default_device(Meta);
        try
        {
            return operation();
        }
        finally
        {
            set_default_device(previous);
        }
    }

    public static void Run(Action operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        Run<object?>(() =>
        {
            operation();
            return null;
        });
    }

    /// <summary>Asserts that <paramref name="actual"/> is a CPU tensor with exactly the values of <paramref name="expected"/>.</summary>
    public static void AssertSame(Tensor expected, Tensor actual)
    {
        Assert.Equal(DeviceType.CPU, actual.device_type);
        Assert.Equal(expected.dtype, actual.dtype);
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(expected.to_type(ScalarType.Float64).eq(actual.to_type(ScalarType.Float64)).all().item<bool>(), "The result under the trap differs from the result without it.");
    }
}
