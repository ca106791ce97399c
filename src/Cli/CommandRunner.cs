using System.CommandLine;
using Spectre.Console;
using Synomaly.Cli.Bench;
using Synomaly.Cli.Commands;
using Synomaly.Diffusion;
using Synomaly.Evaluation;

namespace Synomaly.Cli;

/// <summary>
/// Runs the command line and turns failures into one clear line on stderr and a non-zero exit code, instead of a stack
/// trace: users see what was wrong (a bad option, a missing file, a rejected scan), not where in the code it surfaced.
/// Set SYNOMALY_DEBUG=1 for the full exception. Exit codes, the same for every verb: 0 done, 1 the run failed, 2 a usage
/// error (see <see cref="UsageError"/>), 130 cancelled by Ctrl-C or SIGTERM.
/// </summary>
public static class CommandRunner
{
    /// <summary>
    /// The command line was wrong, so nothing ran: a parse error, a value an option's validator refuses, or a value the
    /// command refuses before its work (<see cref="IsUsageError"/>: --steps 0, --noise foo, a bench option, --device, an
    /// unusable --out). Kept apart from 1, a run that failed, so that a script can tell a typo from a bad scan.
    /// </summary>
    public const int UsageError = 2;

    /// <summary>
    /// How long a command may take to stop cleanly after Ctrl-C or SIGTERM before the runner returns without it: longer
    /// than the local pipeline's slowest clean stop (<see cref="Local.LocalPipeline.LongestCleanStop"/>, 95 s: worker 30 s,
    /// trigger host 35 s, Azurite 30 s, one after another), so that demo and soak never leave a host or Azurite running.
    /// A normal stop takes a few seconds; this bounds a stuck one.
    /// </summary>
    public static readonly TimeSpan GracePeriod = TimeSpan.FromSeconds(120);

    public static async Task<int> RunAsync(string[] args)
    {
        // Before the parse: System.CommandLine reads decimal options in the current culture.
        CommandLineCulture.UseInvariant();
        var parse = SynomalyCommand.Create().Parse(args);
        if (parse.Errors.Count > 0)
        {
            // The errors are printed here, each naming its option as typed (ParseErrorLine); System.CommandLine's own copy,
            // which names the option's main name, is dropped, and it adds only its typo suggestions and the verb's help (on
            // stdout). It returns 1, the code of a failed run.
            await WriteParseErrorsAsync(parse);
            await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, Error = TextWriter.Null });
            return UsageError;
        }

        try
        {
            // SIGTERM/Ctrl+C cancel the command; the grace period lets demo and soak stop every process they started
            // (each host gets its own stop timeout and a margin, ManagedProcess.KillDeadline) instead of leaving them
            // orphaned. TerminationSignals handles them rather than System.CommandLine (no ProcessTerminationTimeout),
            // whose handler crashes on a second Ctrl-C. The command runs off this thread so that a spent grace period
            // ends the run even when the command works synchronously (train).
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
        catch (Exception e) when (e is UnknownDeviceException or DeviceUnavailableException)
        {
            // Every command that takes --device resolves it through TorchDevice before its work; a value that is no device,
            // or one this process cannot use (no CUDA, an ordinal past its GPUs), is an option error (2), as check-device
            // has always answered it.
            await Console.Error.WriteLineAsync($"error: --device: {ErrorLine.Of(e)}");
            return UsageError;
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
                // Named by the verb's options: an option the library refuses is told as the user typed it (--k, not BlurKernel,
                // nor --blur-kernel where --k is its alias),
                // and a file-system failure by the verb, without the path .NET's message quotes (ErrorLine).
                await Console.Error.WriteLineAsync($"error: {ErrorLine.Of(inner, parse)}");
            }

            return IsUsageError(inner) ? UsageError : 1;
        }
    }

    /// <summary>
    /// The parse errors on stderr, one line each (<see cref="ParseErrorLine"/>), then an empty line, in red on a terminal as
    /// System.CommandLine printed them: by its rule, where stdout is not redirected (.NET writes the colour to stdout's
    /// terminal, so a redirected stream never holds it).
    /// </summary>
    private static async Task WriteParseErrorsAsync(ParseResult parse)
    {
        bool colour = !Console.IsOutputRedirected;
        if (colour)
        {
            Console.ForegroundColor = ConsoleColor.Red;
        }

        try
        {
            foreach (var error in parse.Errors)
            {
                await Console.Error.WriteLineAsync(ParseErrorLine.Of(error));
            }

            await Console.Error.WriteLineAsync();
        }
        finally
        {
            if (colour)
            {
                Console.ResetColor();
            }
        }
    }

    /// <summary>
    /// The command line refused before any work: by the commands' own checks (<see cref="UsageException"/>,
    /// <see cref="BenchOptionException"/>, <see cref="ModelPackageExistsException"/>), or an option value the engine refuses
    /// (<see cref="InvalidOptionException"/>, <see cref="UnknownDeviceException"/>). A train --out that holds another run's
    /// results is one too (<see cref="TrainingOutputInUseException"/>, thrown before any data is read), as evaluate's
    /// unusable --out is, and a --model package that cannot be loaded or used (a card naming an unknown modality), which
    /// the verbs turn into a UsageException. Any other ArgumentException was raised while the command ran (TorchSharp
    /// refusing a tensor): the run failed (1), however its type reads.
    /// </summary>
    private static bool IsUsageError(Exception e) =>
        e is UsageException or BenchOptionException or ModelPackageExistsException or InvalidOptionException or UnknownDeviceException or TrainingOutputInUseException;
}
