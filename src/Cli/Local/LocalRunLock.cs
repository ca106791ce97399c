namespace Synomaly.Cli.Local;

/// <summary>
/// One local run's hold on an Azurite state folder: an exclusive lock on a file in it (FileShare.None, which .NET takes as
/// flock on Linux). The kernel drops the lock when the process ends, however it ends, so a run killed with SIGKILL never
/// blocks the next one; and of two runs started at the same moment, which would both find no record of the other, only
/// one gets it. The descriptor is close-on-exec, so the hosts a run starts (and leaves running with --keep) do not hold it.
/// </summary>
public sealed class LocalRunLock : IDisposable
{
    /// <summary>The file's name in the Azurite state folder.</summary>
    public const string FileName = "local-run.lock";

    /// <summary>
    /// The HResult of the IOException .NET throws on Linux when another holder has the lock: the raw errno of the failed
    /// flock, EWOULDBLOCK (11). Any other IOException (a read-only or full disk) is a failure of its own, not a held folder.
    /// </summary>
    private const int LockHeldElsewhere = 11;

    private readonly FileStream file;

    private LocalRunLock(FileStream file) => this.file = file;

    /// <summary>Takes the state folder for this run, or returns null when another run holds it.</summary>
    public static LocalRunLock? TryAcquire(string stateDirectory)
    {
        Directory.CreateDirectory(stateDirectory);
        try
        {
            return new LocalRunLock(new FileStream(Path.Combine(stateDirectory, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException e) when (e.HResult == LockHeldElsewhere)
        {
            return null;
        }
    }

    /// <summary>Hands the state folder on: the run has ended, or left what it started to the user (--keep).</summary>
    public void Dispose() => file.Dispose();
}
