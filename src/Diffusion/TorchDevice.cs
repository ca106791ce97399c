using System.Globalization;
using TorchSharp;

namespace Synomaly.Diffusion;

/// <summary>
/// Resolves the compute device from configuration ("cpu", "cuda", "cuda:N" or "auto"; any case, blank = auto); never
/// hard-coded. Anything else is an <see cref="UnknownDeviceException"/>.
/// </summary>
public static class TorchDevice
{
    /// <summary>
    /// Whether <paramref name="setting"/> is one of the accepted forms (cpu, cuda, cuda:N, auto; any case; blank = auto):
    /// the one rule that the CLI's --device, bench and Worker__Device all check, without touching CUDA.
    /// </summary>
    public static bool IsValidSetting(string? setting)
    {
        string value = Normalise(setting);
        return value is "auto" or "cpu" or "cuda" || IsCudaOrdinal(value);
    }

    public static torch.Device Resolve(string? setting)
    {
        if (!IsValidSetting(setting))
        {
            throw UnknownDeviceException.For(setting);
        }

        string value = Normalise(setting);
        if (value == "auto")
        {
            return torch.cuda.is_available() ? Cuda(torch.CUDA, setting) : torch.CPU;
        }

        if (value.StartsWith("cuda", StringComparison.Ordinal))
        {
            try
            {
                torch.InitializeDeviceType(DeviceType.CUDA);
            }
            catch (InvalidOperationException e)
            {
                // TorchSharp's reason ends with a native-loader trace on lines of its own: kept to one line for the CLI and the log.
                string reason = string.Join(' ', e.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                throw new DeviceUnavailableException($"Device '{setting}' was requested but CUDA is not available in this process ({reason}).", e);
            }

            if (!torch.cuda.is_available())
            {
                throw new DeviceUnavailableException($"Device '{setting}' was requested but CUDA is not available in this process.");
            }

            return Cuda(new torch.Device(value), setting);
        }

        return torch.CPU;
    }

    /// <summary>
    /// Makes float32 mean float32 on CUDA: libtorch lets cuDNN convolutions (the UNet's, and the OpenCV-exact blur, a
    /// convolution too) run in TF32 by default, about 1e-3 relative precision, which would put the maps off the reference
    /// (parity 1e-4) and make a "fp32" benchmark row a TF32 one. Matrix products are kept in full float32 too.
    /// </summary>
    public static void KeepFloat32Exact()
    {
        torch.backends.cudnn.allow_tf32 = false;
        torch.backends.cuda.matmul.allow_tf32 = false;
    }

    /// <summary>The setting as the rule reads it: trimmed, lower case, and "auto" when blank.</summary>
    private static string Normalise(string? setting) => string.IsNullOrWhiteSpace(setting) ? "auto" : setting.Trim().ToLowerInvariant();

    /// <summary>cuda:N with N a plain non-negative whole number (no sign, no spaces).</summary>
    private static bool IsCudaOrdinal(string value) =>
        value.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(value.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out _);

    private static torch.Device Cuda(torch.Device device, string? setting)
    {
        int count = torch.cuda.device_count();
        if (device.index >= count)
        {
            // Found here rather than as an "invalid device ordinal" from inside the first model move.
            throw new DeviceUnavailableException($"Device '{setting}' was requested but this process sees {count} CUDA device(s) (cuda:0 to cuda:{count - 1}).");
        }

        KeepFloat32Exact();
        return device;
    }
}
