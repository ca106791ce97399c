using System.Globalization;

namespace Synomaly.Cli.Local;

/// <summary>
/// The hosts a `demo --keep` run left running for the user, recorded in the Azurite state folder it ran on. The run's own
/// record (<see cref="LocalRunRecord"/>) is deleted when it keeps them, so that the next run does not stop them as left
/// over; without this file the next demo on that folder did not know of them, reused their Azurite, and its jobs were
/// taken from the queues by the kept trigger host and worker as well as its own. A later pipeline run (demo, soak), or an
/// `up` (whose environment hosts started by hand would share with them), is refused while any of them still runs
/// (<see cref="KeptHostsRunningException"/>, which says how to stop them): they were kept on purpose, so they are not
/// stopped behind the user's back. A host that has ended, or whose PID now names another
/// process, no longer counts, and once none counts the file is removed by the next run that holds the folder.
/// </summary>
public static class KeptHosts
{
    /// <summary>The file's name in the Azurite state folder.</summary>
    public const string FileName = "local-run.kept";

    /// <summary>Records <paramref name="hosts"/> (role, PID) as kept; a host that has already ended is left out.</summary>
    public static void Record(string stateDirectory, IEnumerable<(string Role, int Pid)> hosts)
    {
        ArgumentNullException.ThrowIfNull(hosts);
        Directory.CreateDirectory(stateDirectory);
        var lines = hosts.Select(h => (h.Role, Identity: ProcessIdentity.Of(h.Pid))).Where(h => h.Identity is not null)
            .Select(h => string.Create(CultureInfo.InvariantCulture, $"{h.Identity!.Pid} {h.Identity.StartTicks} {h.Role}"));
        string path = Path.Combine(stateDirectory, FileName);
        // Written beside and moved into place, as the run record: never half a file.
        File.WriteAllLines(path + ".tmp", lines);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>The kept hosts of <paramref name="stateDirectory"/> that still run (role, PID); only reads the record.</summary>
    public static IReadOnlyList<(string Role, int Pid)> StillRunning(string stateDirectory)
    {
        string path = Path.Combine(stateDirectory, FileName);
        return File.Exists(path)
            ? [.. File.ReadAllLines(path).Select(Parse).OfType<(ProcessIdentity Identity, string Role)>().Where(h => h.Identity.IsRunning()).Select(h => (h.Role, h.Identity.Pid))]
            : [];
    }

    /// <summary>Refuses a pipeline run on <paramref name="stateDirectory"/> while hosts kept there still run.</summary>
    /// <param name="folderHeld">
    /// Whether the caller holds the state folder (<see cref="LocalRunLock"/>); only then is a record whose hosts have all
    /// ended removed. A run writes the record while it holds the folder, as it keeps its hosts: a look without the folder
    /// could read an earlier record of ended hosts, and delete the one written in its place meanwhile, and the next run
    /// would then start beside the hosts just kept.
    /// </param>
    /// <exception cref="KeptHostsRunningException">A kept trigger host or worker still runs.</exception>
    public static void ThrowIfRunning(string stateDirectory, bool folderHeld)
    {
        if (StillRunning(stateDirectory) is { Count: > 0 } running)
        {
            throw KeptHostsRunningException.For(stateDirectory, running);
        }

        if (folderHeld)
        {
            File.Delete(Path.Combine(stateDirectory, FileName));
        }
    }

    private static (ProcessIdentity Identity, string Role)? Parse(string line)
    {
        var parts = line.Split(' ', 3);
        return parts.Length == 3
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out long start)
            ? (new ProcessIdentity(pid, start), parts[2])
            : null;
    }
}
