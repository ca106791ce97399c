namespace Synomaly.Storage.Local;

/// <summary>Azurite did not start because another process holds one of the loopback ports it was given.</summary>
public sealed class AzuritePortInUseException : InvalidOperationException
{
    public AzuritePortInUseException()
    {
    }

    public AzuritePortInUseException(string message)
        : base(message)
    {
    }

    public AzuritePortInUseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
