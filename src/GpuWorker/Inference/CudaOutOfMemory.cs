using System.Runtime.InteropServices;

namespace Synomaly.GpuWorker.Inference;

/// <summary>
/// Recognises the device running out of memory in a model call. TorchSharp reports every libtorch error as an
/// <see cref="ExternalException"/> carrying libtorch's message, and the CUDA caching allocator's begins "CUDA out of
/// memory" (it has already released its cached blocks and tried again before it says so).
/// </summary>
internal static class CudaOutOfMemory
{
    public static bool Is(Exception error) => error is ExternalException && error.Message.Contains("CUDA out of memory", StringComparison.Ordinal);
}
