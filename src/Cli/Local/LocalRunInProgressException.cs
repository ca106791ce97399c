namespace Synomaly.Cli.Local;

/// <summary>
/// Another `up`, `demo` or `soak` run is using the Azurite state folder this run was to use: two runs on one folder would
/// share one Azurite (the first stops it when it ends) and compete for each other's jobs.
/// </summary>
public sealed class LocalRunInProgressException : InvalidOperationException
{
    public LocalRunInProgressException()
    {
    }

    public LocalRunInProgressException(string message)
        : base(message)
    {
    }

    public LocalRunInProgressException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// The refusal of a run on its Azurite state folder, naming the run that holds it when its record says; the folder by
    /// where it comes from, never by its path (<see cref="LocalRunRecord.StateDirectoryShown"/>).
    /// </summary>
    /// <param name="holder">The PID of the run holding the folder; null while it is still starting (no record yet).</param>
    public static LocalRunInProgressException For(int? holder) => new(
        $"another local run{(holder is { } pid ? $" (synomaly, PID {pid})" : "")} is using {LocalRunRecord.StateDirectoryShown}; "
        + "stop it first (Ctrl+C), or give this run a state folder and ports of its own (AZURITE_DIR, AZURITE_BLOB_PORT, AZURITE_QUEUE_PORT, AZURITE_TABLE_PORT).");
}
