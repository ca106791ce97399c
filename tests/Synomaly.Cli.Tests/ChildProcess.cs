using System.Diagnostics;

namespace Synomaly.Cli.Tests;

/// <summary>Runs a child process to its end and returns its exit code and everything it printed (stdout, then stderr).</summary>
internal static class ChildProcess
{
    /// <summary>
    /// <paramref name="hangGuard"/> is a guard against a hang, not a speed target: past it the process tree is killed and the
    /// test fails with <see cref="OperationCanceledException"/>. <paramref name="info"/> must redirect both streams.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(ProcessStartInfo info, TimeSpan hangGuard, CancellationToken cancellationToken)
    {
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(hangGuard);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return (process.ExitCode, await stdout + await stderr);
    }
}
