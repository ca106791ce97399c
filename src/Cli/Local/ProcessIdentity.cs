using System.Globalization;

namespace Synomaly.Cli.Local;

/// <summary>
/// A process as a PID and its start time (field 22 of /proc/PID/stat, clock ticks since boot): PIDs are reused, so a PID
/// alone recorded by an earlier run could name a stranger by now; the pair names one process for as long as the machine runs.
/// </summary>
public sealed record ProcessIdentity(int Pid, long StartTicks)
{
    /// <summary>This CLI process.</summary>
    public static ProcessIdentity Current => Of(Environment.ProcessId)
        ?? throw new InvalidOperationException("/proc/self/stat cannot be read; the local pipeline needs Linux's /proc.");

    /// <summary>The process now running under <paramref name="pid"/>, or null when none does (a zombie does not; nor when /proc cannot tell).</summary>
    public static ProcessIdentity? Of(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // The command name (field 2, in parentheses) may hold spaces and parentheses itself: fields are counted after its last ')'.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state), so field 22 (starttime) is fields[19]. A zombie (Z) or dead (X) process has ended;
        // only its entry waits for a parent that reaps it, which a host that outlived its CLI (a kept one, whose parent is
        // PID 1) may never get in a container whose PID 1 does not reap: it counted as running, and kill cannot end it.
        return fields.Length > 19 && fields[0] is not ("Z" or "X" or "x")
            && long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out long start)
            ? new ProcessIdentity(pid, start)
            : null;
    }

    /// <summary>Whether this very process still runs (not merely some process under the same PID).</summary>
    public bool IsRunning() => Of(Pid) == this;
}
