using System.Globalization;

namespace Synomaly.Cli.Local;

/// <summary>
/// What a demo or up run has started, written to a file in Azurite's state folder while the run lasts: its own identity,
/// whether it started Azurite, and the trigger host and worker. A run ended by SIGKILL or the OOM killer runs no cleanup
/// (.NET has no portable "die with the parent"), so its hosts and Azurite would go on, and the next run would reuse that
/// Azurite while the old hosts compete with the new ones for its jobs. The next run reads the file and stops them first.
/// Children watching their parent would need the hosts to know of the CLI, and would stop `demo --keep`'s hosts too.
/// One run at a time writes it: <see cref="LocalRunLock"/> refuses a second run on the same state folder, whose record
/// would replace the first's (the last writer won, and a kill of the other run then left its hosts unrecorded).
/// </summary>
public sealed class LocalRunRecord
{
    /// <summary>The file's name in the Azurite state folder.</summary>
    public const string FileName = "local-run.pids";

    private readonly string path;
    private readonly bool startedAzurite;
    private readonly Dictionary<string, ProcessIdentity> children = new(StringComparer.Ordinal);

    private LocalRunRecord(string path, bool startedAzurite)
    {
        this.path = path;
        this.startedAzurite = startedAzurite;
    }

    /// <summary>
    /// The state folder as messages name it: by where it comes from, never by its path (<see cref="StateDirectory"/>), since
    /// AZURITE_DIR may name any folder, folder names can carry patient names, and these lines are pasted into tickets.
    /// </summary>
    public const string StateDirectoryShown = "this run's Azurite state folder (AZURITE_DIR: by default .azurite in the repository; azurite under --out for soak)";

    /// <summary>The Azurite state folder scripts/azurite.sh uses with these variables (AZURITE_DIR, default .azurite).</summary>
    public static string StateDirectory(string repositoryRoot, IReadOnlyDictionary<string, string>? azuriteEnvironment) =>
        azuriteEnvironment is not null && azuriteEnvironment.TryGetValue("AZURITE_DIR", out var dir) ? dir
        : Environment.GetEnvironmentVariable("AZURITE_DIR") is { Length: > 0 } fromEnvironment ? fromEnvironment
        : Path.Combine(repositoryRoot, ".azurite");

    /// <summary>
    /// Stops what a run that ended without cleanup left behind in this state folder: each recorded host that is still that
    /// same process (a reused PID is left alone), then the Azurite it started; says so on <paramref name="log"/>.
    /// </summary>
    /// <exception cref="LocalRunInProgressException">
    /// The recorded run still goes on (a CLI that held no <see cref="LocalRunLock"/>): its record and hosts are left as they are.
    /// </exception>
    public static async Task StopLeftoversAsync(string stateDirectory, Func<Task> stopAzurite, TextWriter log)
    {
        string file = Path.Combine(stateDirectory, FileName);
        if (!File.Exists(file))
        {
            return;
        }

        var lines = await File.ReadAllLinesAsync(file);
        if (LiveOwner(lines) is { } owner)
        {
            throw LocalRunInProgressException.For(owner);
        }

        foreach (var child in lines.Select(l => Parse(l, "child")).OfType<(ProcessIdentity Identity, string Name)>())
        {
            if (child.Identity.IsRunning())
            {
                await log.WriteLineAsync($"synomaly: stopping the {child.Name} (PID {child.Identity.Pid}) that an earlier run, ended without cleanup, left running");
                Kill(child.Identity.Pid);
            }
        }

        if (lines.Contains("azurite", StringComparer.Ordinal))
        {
            await log.WriteLineAsync("synomaly: stopping the Azurite that an earlier run, ended without cleanup, left running");
            await stopAzurite();
        }

        File.Delete(file);
    }

    /// <summary>The PID of the run this state folder's record names, when that run still goes on; null otherwise.</summary>
    public static int? LiveOwner(string stateDirectory)
    {
        try
        {
            return LiveOwner(File.ReadAllLines(Path.Combine(stateDirectory, FileName)));
        }
        catch (IOException)
        {
            // No record (yet): the run holding the folder is still starting Azurite.
            return null;
        }
    }

    private static int? LiveOwner(IEnumerable<string> lines) =>
        lines.Select(l => Parse(l, "run")).FirstOrDefault(p => p is not null) is { } owner && owner.Identity.IsRunning() ? owner.Identity.Pid : null;

    /// <summary>Starts the record of this run (written at once, so a kill from here on is cleaned up by the next run).</summary>
    public static LocalRunRecord Begin(string stateDirectory, bool startedAzurite)
    {
        Directory.CreateDirectory(stateDirectory);
        var record = new LocalRunRecord(Path.Combine(stateDirectory, FileName), startedAzurite);
        record.Write();
        return record;
    }

    /// <summary>Records (or replaces, for a restarted worker) a child by its role ("trigger host", "GPU worker").</summary>
    public void SetChild(string role, int pid)
    {
        if (ProcessIdentity.Of(pid) is { } identity)
        {
            children[role] = identity;
            Write();
        }
    }

    /// <summary>Forgets the run: it stopped what it started, or handed it to the user (--keep).</summary>
    public void Delete() => File.Delete(path);

    private void Write()
    {
        var current = ProcessIdentity.Current;
        var lines = new List<string> { Format("run", current, "synomaly") };
        if (startedAzurite)
        {
            lines.Add("azurite");
        }

        lines.AddRange(children.Select(c => Format("child", c.Value, c.Key)));
        // Written beside and moved into place: a run killed mid-write leaves the old record, never half of one.
        File.WriteAllLines(path + ".tmp", lines);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    private static string Format(string kind, ProcessIdentity identity, string name) =>
        string.Create(CultureInfo.InvariantCulture, $"{kind} {identity.Pid} {identity.StartTicks} {name}");

    private static (ProcessIdentity Identity, string Name)? Parse(string line, string kind)
    {
        var parts = line.Split(' ', 4);
        return parts.Length == 4 && parts[0] == kind
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
            && long.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out long start)
            ? (new ProcessIdentity(pid, start), parts[3])
            : null;
    }

    private static void Kill(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            process.Kill();
            process.WaitForExit(TimeSpan.FromSeconds(10));
        }
        catch (ArgumentException)
        {
            // Gone between the check and the kill.
        }
        catch (InvalidOperationException)
        {
            // Gone between the check and the kill.
        }
    }
}
