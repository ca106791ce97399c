using System.Diagnostics;
using Synomaly.Contracts;

namespace Synomaly.Cli.Local;

/// <summary>
/// A .NET program of this repository run as a child process (the local trigger host, the GPU worker) that writes its output
/// to a log file itself (so the log goes on when the CLI exits and leaves it running), stopped gracefully (SIGTERM, then a
/// deadline) or killed by PID.
/// </summary>
public sealed class ManagedProcess : IAsyncDisposable
{
    /// <summary>
    /// Time a stopped process gets past its host's own stop timeout: once the host gave up on its work, the process still
    /// disposes the host and flushes its log, slower on a loaded machine. Killed before that, a function or job the host
    /// was still waiting for would be cut off mid-way by the stop meant to let it finish.
    /// </summary>
    public static readonly TimeSpan KillMargin = TimeSpan.FromSeconds(5);

    private readonly Process process;

    private ManagedProcess(Process process, string logPath, TimeSpan killDeadline)
    {
        this.process = process;
        LogPath = logPath;
        KillDeadline = killDeadline;
    }

    public int Id => process.Id;

    public string LogPath { get; }

    public bool HasExited => process.HasExited;

    /// <summary>How long <see cref="StopAsync"/> waits after SIGTERM before it kills the process.</summary>
    public TimeSpan KillDeadline { get; }

    /// <summary>How long a process whose host stops within <paramref name="stopTimeout"/> is given before it is killed.</summary>
    public static TimeSpan KillDeadlineFor(TimeSpan stopTimeout) => stopTimeout + KillMargin;

    /// <param name="stopTimeout">
    /// How long the program's host waits for its running work after SIGTERM (<see cref="HostShutdown"/>); the
    /// process is killed only <see cref="KillMargin"/> after it.
    /// </param>
    public static ManagedProcess Start(string assemblyPath, IReadOnlyDictionary<string, string> environment, string logPath, TimeSpan stopTimeout)
    {
        if (!File.Exists(assemblyPath))
        {
            throw new LocalSetupException($"{Path.GetFileName(assemblyPath)} is not built; run ./scripts/demo.sh (it builds the solution first).");
        }

        // The child writes its log itself (a shell redirect, then exec, so the PID stays the program's): copied through pipes
        // by this process, the log would stop when the CLI exits (demo --keep leaves the hosts running) and the next write
        // of a host would meet a closed pipe. Each start opens with a line naming the program, the time and its PID ($$ is
        // the shell's, which exec hands on): a restarted worker appends to the same log, and a reader sees where it began.
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logPath))!);
        const string Script = "echo \"=== $(date -u +%Y-%m-%dT%H:%M:%SZ) $2 started (PID $$) ===\" >>\"$1\"; exec dotnet exec \"$0\" >>\"$1\" 2>&1 </dev/null";
        var info = new ProcessStartInfo("/bin/bash", ["-c", Script, assemblyPath, Path.GetFullPath(logPath), Path.GetFileNameWithoutExtension(assemblyPath)])
        {
            WorkingDirectory = Path.GetDirectoryName(assemblyPath)!,
        };
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start '{assemblyPath}'.");
        return new ManagedProcess(process, logPath, KillDeadlineFor(stopTimeout));
    }

    /// <summary>Asks the process to stop (SIGTERM, so hosts shut down gracefully), and kills it after <see cref="KillDeadline"/>.</summary>
    public async Task StopAsync()
    {
        if (process.HasExited)
        {
            return;
        }

        using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term!.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(KillDeadline);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    /// <summary>Ends the process at once, like a crashed container (no shutdown, no settlement).</summary>
    public void Kill()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        process.Dispose();
    }
}
