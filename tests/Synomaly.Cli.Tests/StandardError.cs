using Spectre.Console;

namespace Synomaly.Cli.Tests;

/// <summary>
/// Runs the command line with stderr captured, so that tests can check a refusal names what is wrong; or with everything
/// it prints captured (stdout, Spectre.Console's tables and markup, stderr), to check what a user would see.
/// </summary>
internal static class StandardError
{
    /// <param name="width">The console's width: Spectre.Console wraps its markup there.</param>
    public static async Task<(int Code, string Output)> CaptureAll(string[] args, int width = 400)
    {
        var originalOut = Console.Out;
        var originalConsole = AnsiConsole.Console;
        using var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Interactive = InteractionSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = width;
        Console.SetOut(output);
        AnsiConsole.Console = console;
        try
        {
            var (code, error) = await Capture(args);
            return (code, output + error);
        }
        finally
        {
            AnsiConsole.Console = originalConsole;
            Console.SetOut(originalOut);
        }
    }

    /// <summary>
    /// Runs the command line with what it prints on stdout (Spectre.Console's tables and markup included) and on stderr
    /// kept apart, to check that an error goes to stderr; <paramref name="width"/> is the console's width, by default
    /// 80 columns, a narrow terminal, where Spectre.Console wraps its markup.
    /// </summary>
    public static async Task<(int Code, string Output, string Error)> CaptureSeparately(string[] args, int width = 80)
    {
        var originalOut = Console.Out;
        var originalConsole = AnsiConsole.Console;
        using var output = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Interactive = InteractionSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = width;
        Console.SetOut(output);
        AnsiConsole.Console = console;
        try
        {
            var (code, error) = await Capture(args);
            return (code, output.ToString(), error);
        }
        finally
        {
            AnsiConsole.Console = originalConsole;
            Console.SetOut(originalOut);
        }
    }

    public static Task<(int Code, string Error)> Capture(string[] args) => Capture(() => CommandRunner.RunAsync(args));

    /// <summary>
    /// Runs the command line with stderr going to <paramref name="error"/> as it is written, for a test that waits on what
    /// the command prints while it runs: pass a <see cref="TextWriter.Synchronized"/> writer and read it under a lock on
    /// that writer (its writes take the same lock).
    /// </summary>
    public static async Task<int> Capture(string[] args, TextWriter error)
    {
        var original = Console.Error;
        Console.SetError(error);
        try
        {
            return await CommandRunner.RunAsync(args);
        }
        finally
        {
            Console.SetError(original);
        }
    }

    /// <summary>Runs the command line as Ctrl-C leaves it: its invocation token already cancelled.</summary>
    public static Task<(int Code, string Error)> CaptureCancelled(string[] args) => Capture(async () =>
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        return await SynomalyCommand.Create().Parse(args).InvokeAsync(new System.CommandLine.InvocationConfiguration { EnableDefaultExceptionHandler = false }, cancelled.Token);
    });

    /// <summary>Runs <paramref name="root"/> with an invocation token the test cancels when it chooses (mid-read, say).</summary>
    public static Task<(int Code, string Error)> Capture(System.CommandLine.RootCommand root, string[] args, CancellationToken cancellationToken) =>
        Capture(() => root.Parse(args).InvokeAsync(new System.CommandLine.InvocationConfiguration { EnableDefaultExceptionHandler = false }, cancellationToken));

    private static async Task<(int Code, string Error)> Capture(Func<Task<int>> run)
    {
        var original = Console.Error;
        using var error = new StringWriter();
        Console.SetError(error);
        try
        {
            int code = await run();
            return (code, error.ToString());
        }
        finally
        {
            Console.SetError(original);
        }
    }
}
