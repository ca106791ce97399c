using System.Runtime.InteropServices;

namespace Synomaly.GpuWorker.Tests.Support;

/// <summary>Errors as TorchSharp raises them from libtorch: an <see cref="ExternalException"/> with libtorch's message.</summary>
internal static class TorchSharpErrors
{
#pragma warning disable CA2201 // TorchSharp itself throws this type; the stand-ins must match it.
    /// <summary>The CUDA caching allocator's out-of-memory error.</summary>
    public static ExternalException OutOfMemory() =>
        new("CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 79.19 GiB total capacity; 77.90 GiB already allocated)");

    /// <summary>A sticky device error: every later call on the context fails the same way.</summary>
    public static ExternalException DeviceAssert() => new("CUDA error: device-side assert triggered");
#pragma warning restore CA2201
}
