using System.Diagnostics;

namespace Synomaly.Cli.Local;

/// <summary>
/// A .NET program of this repository run as a child process (the local trigger host, the GPU worker), with its output in a
/// log file, stopped gracefully (SIGTERM, then a deadline) or killed by PID.
/// </summary>
public sealed class ManagedProcess : IAsyncDisposable
{
    private readonly Process process;

    private ManagedProcess(Process process, string logPath)
    {
        this.process = process;
        LogPath = logPath;
    }

    public int Id => process.Id;

    public string LogPath { get; }

    public bool HasExited => process.HasExited;

    public static ManagedProcess Start(string assemblyPath, IReadOnlyDictionary<string, string> environment, string logPath)
    {
        if (!File.Exists(assemblyPath))
        {
            throw new FileNotFoundException($"'{assemblyPath}' is not built; run ./scripts/demo.sh (it builds the solution first).");
        }

        var info = new ProcessStartInfo("dotnet", ["exec", assemblyPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(assemblyPath)!,
        };
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(logPath))!);
        var log = new StreamWriter(logPath, append: true) { AutoFlush = true };
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.Exited += (_, _) => log.Dispose();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ManagedProcess(process, logPath);
    }

    /// <summary>Asks the process to stop (SIGTERM, so hosts shut down gracefully), and kills it after the deadline.</summary>
    public async Task StopAsync(TimeSpan deadline)
    {
        if (process.HasExited)
        {
            return;
        }

        using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await term!.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(deadline);
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
        await StopAsync(TimeSpan.FromSeconds(15));
        process.Dispose();
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // The process exited while its last lines were still arriving.
            }
        }
    }
}
