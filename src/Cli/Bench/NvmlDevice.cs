using System.Runtime.InteropServices;
using System.Text;

namespace Synomaly.Cli.Bench;

/// <summary>
/// GPU name and memory in use from NVML (libnvidia-ml, installed with every NVIDIA driver). TorchSharp 0.107 exposes no
/// torch.cuda memory statistics, so this is the honest substitute: device memory in use, which includes the CUDA context
/// and libtorch's caching allocator. That cache is never returned within a process (TorchSharp has no empty_cache), so
/// the value is the process's high-water mark of reserved memory so far. The index is the CUDA device index, which equals
/// NVML's unless CUDA_VISIBLE_DEVICES reorders devices. Where NVML cannot be loaded, <see cref="TryOpen"/> returns null.
/// </summary>
public sealed class NvmlDevice : IDisposable
{
    private const int Success = 0;
    private readonly IntPtr _library;
    private readonly IntPtr _device;
    private readonly GetMemoryInfo _getMemoryInfo;
    private readonly Shutdown _shutdown;

    private NvmlDevice(IntPtr library, IntPtr device, GetMemoryInfo getMemoryInfo, Shutdown shutdown, string name)
    {
        _library = library;
        _device = device;
        _getMemoryInfo = getMemoryInfo;
        _shutdown = shutdown;
        Name = name;
    }

    private delegate int Init();

    private delegate int Shutdown();

    private delegate int GetHandleByIndex(uint index, out IntPtr device);

    private delegate int GetName(IntPtr device, [Out] byte[] name, uint length);

    private delegate int GetMemoryInfo(IntPtr device, out MemoryInfo memory);

    public string Name { get; }

    /// <summary>Opens device <paramref name="index"/>; null when NVML or the device is not there.</summary>
    public static NvmlDevice? TryOpen(int index)
    {
        if (!NativeLibrary.TryLoad("libnvidia-ml.so.1", out var library))
        {
            return null;
        }

        try
        {
            var init = Function<Init>(library, "nvmlInit_v2");
            if (init() != Success)
            {
                NativeLibrary.Free(library);
                return null;
            }

            var shutdown = Function<Shutdown>(library, "nvmlShutdown");
            if (Function<GetHandleByIndex>(library, "nvmlDeviceGetHandleByIndex_v2")((uint)index, out var device) != Success)
            {
                shutdown();
                NativeLibrary.Free(library);
                return null;
            }

            var buffer = new byte[96];
            string name = Function<GetName>(library, "nvmlDeviceGetName")(device, buffer, (uint)buffer.Length) == Success
                ? Encoding.ASCII.GetString(buffer, 0, Array.IndexOf(buffer, (byte)0) is int end and >= 0 ? end : buffer.Length)
                : "NVIDIA GPU (name unavailable)";
            return new NvmlDevice(library, device, Function<GetMemoryInfo>(library, "nvmlDeviceGetMemoryInfo"), shutdown, name);
        }
        catch (EntryPointNotFoundException)
        {
            NativeLibrary.Free(library);
            return null;
        }
    }

    /// <summary>Device memory in use, in MiB; null if NVML refuses.</summary>
    public double? UsedMebibytes() => _getMemoryInfo(_device, out var memory) == Success ? memory.Used / (1024.0 * 1024.0) : null;

    public void Dispose()
    {
        _shutdown();
        NativeLibrary.Free(_library);
    }

    private static T Function<T>(IntPtr library, string name)
        where T : Delegate => Marshal.GetDelegateForFunctionPointer<T>(NativeLibrary.GetExport(library, name));

    [StructLayout(LayoutKind.Sequential)]
    private struct MemoryInfo
    {
        public ulong Total;
        public ulong Free;
        public ulong Used;
    }
}
