using TorchSharp;

namespace Synomaly.Diffusion;

/// <summary>Resolves the compute device from configuration ("cpu", "cuda", "cuda:N" or "auto"); never hard-coded.</summary>
public static class TorchDevice
{
    public static torch.Device Resolve(string? setting)
    {
        string value = string.IsNullOrWhiteSpace(setting) ? "auto" : setting.Trim().ToLowerInvariant();
        if (value == "auto")
        {
            return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        }

        if (value.StartsWith("cuda", StringComparison.Ordinal))
        {
            try
            {
                torch.InitializeDeviceType(DeviceType.CUDA);
            }
            catch (InvalidOperationException e)
            {
                throw new InvalidOperationException($"Device '{setting}' was requested but CUDA is not available in this process ({e.Message}).", e);
            }

            if (!torch.cuda.is_available())
            {
                throw new InvalidOperationException($"Device '{setting}' was requested but CUDA is not available in this process.");
            }
        }

        return value == "cpu" ? torch.CPU : new torch.Device(value);
    }
}
