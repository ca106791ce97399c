using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;
using System.Text;

namespace Synomaly.Diffusion;

/// <summary>
/// Keeps libtorch's oneDNN convolutions at the AVX instruction set on AMD processors unless the operator chooses otherwise.
/// </summary>
/// <remarks>
/// On an AMD EPYC with AVX-512 (libtorch 2.10, oneDNN 3.7.1), oneDNN's AVX2 and AVX-512 JIT convolution kernels made
/// training non-deterministic and sometimes NaN (forward_training / backward_data / backward_weights of the 1-channel
/// input and output convolutions, padded blocked layouts), and bf16 convolutions off by a third of the output scale; capped
/// at AVX (or SSE4.1) every such test passes and an fp32 evaluation gave the same scores, at about 10% more CPU time. oneDNN
/// reads <c>DNNL_MAX_CPU_ISA</c> once, at its first primitive, so the cap is set when this library loads, before any of
/// its code creates a convolution. It is written into the native environment (libc <c>setenv</c>, which oneDNN's
/// <c>getenv</c> sees; .NET's own <see cref="Environment.SetEnvironmentVariable(string, string)"/> does not reach it), only
/// where the variable is not already set, so <c>DNNL_MAX_CPU_ISA=ALL</c> (or another level) restores oneDNN's own choice.
/// Only AMD processors are capped: the same libtorch on an Intel Xeon with AVX-512 passed every test uncapped, and the
/// cap costs CPU time. CUDA runs do not use oneDNN and are unaffected.
/// </remarks>
public static class CpuKernelGuard
{
    /// <summary>The oneDNN variable that caps the instruction set of its JIT kernels.</summary>
    public const string Variable = "DNNL_MAX_CPU_ISA";

    /// <summary>The cap applied when the operator has not set one: AVX, the highest level that computed correctly.</summary>
    public const string DefaultCap = "AVX";

    /// <summary>Whether this processor is one the cap is for (an x86 processor whose CPUID vendor is AMD).</summary>
    public static bool AppliesToThisCpu => X86Base.IsSupported && CpuVendor() == "AuthenticAMD";

    /// <summary>The cap in force for this process (the operator's value, <see cref="DefaultCap"/>, or none), as libc sees it.</summary>
    public static string? EffectiveCap => OperatingSystem.IsLinux() ? Marshal.PtrToStringUTF8(NativeGetEnv(Variable)) : null;

    /// <summary>Applies the cap when this assembly loads; every entry point into the engine goes through this library.</summary>
#pragma warning disable CA2255 // A library initializer is the point: the cap must precede the first oneDNN primitive, whichever host loads the engine.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Apply()
    {
        if (OperatingSystem.IsLinux() && AppliesToThisCpu)
        {
            // overwrite: 0 keeps an operator's own value.
            _ = NativeSetEnv(Variable, DefaultCap, 0);
        }
    }

    /// <summary>The 12-character vendor string of CPUID leaf 0 (EBX, EDX, ECX).</summary>
    private static string CpuVendor()
    {
        var (_, ebx, ecx, edx) = X86Base.CpuId(0, 0);
        var bytes = new byte[12];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 4), ebx);
        BitConverter.TryWriteBytes(bytes.AsSpan(4, 4), edx);
        BitConverter.TryWriteBytes(bytes.AsSpan(8, 4), ecx);
        return Encoding.ASCII.GetString(bytes);
    }

    [DllImport("libc", EntryPoint = "setenv", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int NativeSetEnv(string name, string value, int overwrite);

    [DllImport("libc", EntryPoint = "getenv", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern IntPtr NativeGetEnv(string name);
}
