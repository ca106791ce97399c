namespace Synomaly.Cli.Local;

/// <summary>
/// The log files of a local run's hosts (devhost.log, worker.log): each run starts them fresh, so that a user reading one
/// after a failure reads this run from its first line, and the previous run's is kept beside it (devhost.previous.log)
/// to compare with. Appending across runs buried a failure under every earlier run's lines.
/// </summary>
public static class RunLog
{
    /// <summary>What replaces ".log" in the name of the previous run's log.</summary>
    public const string PreviousSuffix = ".previous.log";

    /// <summary>
    /// Moves the log at <paramref name="path"/>, if any, to its previous-run name (replacing the one before). A host that an
    /// earlier `demo --keep` left running goes on writing into the moved file, never into this run's.
    /// </summary>
    public static void StartFresh(string path)
    {
        if (File.Exists(path))
        {
            File.Move(path, PreviousOf(path), overwrite: true);
        }
    }

    private static string PreviousOf(string path) =>
        Path.Combine(Path.GetDirectoryName(path) ?? "", Path.GetFileNameWithoutExtension(path) + PreviousSuffix);
}
