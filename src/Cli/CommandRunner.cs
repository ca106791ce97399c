using System.CommandLine;
using Spectre.Console;
using Synomaly.Diffusion;

namespace Synomaly.Cli;

/// <summary>
/// Runs the command line and turns failures into one clear line on stderr and a non-zero exit code, instead of a stack
/// trace: users see what was wrong (a bad option, a missing file, a rejected scan), not where in the code it surfaced.
/// Set SYNOMALY_DEBUG=1 for the full exception.
/// </summary>
public static class CommandRunner
{
    /// <summary>How long a command may take to stop cleanly after Ctrl-C or SIGTERM before the runner returns without it.</summary>
    public static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(string[] args)
    {
        var parse = SynomalyCommand.Create().Parse(args);
        try
        {
            // SIGTERM/Ctrl+C cancel the command; the grace period lets demo and soak stop every process they started
            // (each host gets up to 15 s) instead of leaving them orphaned. TerminationSignals handles them rather than
            // System.CommandLine (no ProcessTerminationTimeout), whose handler crashes on a second Ctrl-C. The command runs
            // off this thread so that a spent grace period ends the run even when the command works synchronously (train).
            using var signals = TerminationSignals.Listen(GracePeriod, Console.Error);
            var configuration = new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };
            var command = Task.Run(() => parse.InvokeAsync(configuration, signals.Token));
            var finished = await Task.WhenAny(command, signals.ForcedExit);
            if (finished != command)
            {
                await Console.Error.WriteLineAsync($"stopped: the command did not finish within {GracePeriod.TotalSeconds:0} s of the signal");
            }

            return await finished;
        }
        catch (UnknownDeviceException e)
        {
            // Every command that takes --device resolves it through TorchDevice; a wrong value is an option error (2).
            await Console.Error.WriteLineAsync($"error: --device: {e.Message}");
            return 2;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("cancelled");
            return 130;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            var inner = e is AggregateException { InnerExceptions.Count: 1 } aggregate ? aggregate.InnerExceptions[0] : e;
            if (Environment.GetEnvironmentVariable("SYNOMALY_DEBUG") == "1")
            {
                AnsiConsole.WriteException(inner);
            }
            else
            {
                await Console.Error.WriteLineAsync($"error: {inner.Message}");
            }

            return 1;
        }
    }
}
