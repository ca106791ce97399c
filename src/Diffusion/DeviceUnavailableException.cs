namespace Synomaly.Diffusion;

/// <summary>
/// The device setting names a CUDA device this process cannot use: CUDA is not available, or the ordinal is past the GPUs
/// it sees. The message holds the setting, the device count and TorchSharp's reason for CUDA being unavailable (which
/// native library failed), never scan or patient data, so hosts may log it where they log other exceptions by type alone.
/// </summary>
public sealed class DeviceUnavailableException : InvalidOperationException
{
    public DeviceUnavailableException()
    {
    }

    public DeviceUnavailableException(string message)
        : base(message)
    {
    }

    public DeviceUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
