namespace Synomaly.Cli.Local;

/// <summary>
/// The local storage emulator (Azurite) of a demo or up run stopped while the run went on. Without this the run ended on
/// whatever storage call came next, with the Azure SDK's "Connection refused", which names neither Azurite nor its log.
/// </summary>
public sealed class LocalStorageStoppedException : InvalidOperationException
{
    public LocalStorageStoppedException()
    {
    }

    public LocalStorageStoppedException(string message)
        : base(message)
    {
    }

    public LocalStorageStoppedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
