namespace Synomaly.Cli.Tests;

/// <summary>Runs the command line with stderr captured, so that tests can check a refusal names what is wrong.</summary>
internal static class StandardError
{
    public static async Task<(int Code, string Error)> Capture(string[] args)
    {
        var original = Console.Error;
        using var error = new StringWriter();
        Console.SetError(error);
        try
        {
            int code = await CommandRunner.RunAsync(args);
            return (code, error.ToString());
        }
        finally
        {
            Console.SetError(original);
        }
    }
}
