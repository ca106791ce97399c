namespace Synomaly.Diffusion;

/// <summary>
/// A device setting that is none of the accepted forms (cpu, cuda, cuda:N, auto): a configuration mistake, told as such,
/// rather than libtorch's own parse error from deep inside the first model load.
/// </summary>
public sealed class UnknownDeviceException : ArgumentException
{
    private UnknownDeviceException(string message, string? setting)
        : base(message)
    {
        Setting = setting;
    }

    /// <summary>The error for a setting that is none of the accepted forms; the message names them.</summary>
    public static UnknownDeviceException For(string? setting) =>
        new($"'{setting}' is not a device: use cpu, cuda, cuda:N (N = 0, 1, ...) or auto.", setting);

    public UnknownDeviceException()
    {
    }

    public UnknownDeviceException(string message)
        : base(message)
    {
    }

    public UnknownDeviceException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The rejected setting as given.</summary>
    public string? Setting { get; }
}
