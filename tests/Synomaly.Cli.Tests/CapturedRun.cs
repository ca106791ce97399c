namespace Synomaly.Cli.Tests;

/// <summary>Runs the command line as the program does and keeps what it wrote on stderr, where errors name the bad option.</summary>
internal static class CapturedRun
{
    public static async Task<(int Code, string Errors)> RunAsync(string[] arguments)
    {
        var stderr = Console.Error;
        using var errors = new StringWriter();
        Console.SetError(errors);
        try
        {
            return (await CommandRunner.RunAsync(arguments), errors.ToString());
        }
        finally
        {
            Console.SetError(stderr);
        }
    }
}
