using Spectre.Console;

namespace Synomaly.Cli;

/// <summary>
/// With output redirected (a script, a CI log, `&gt; out.txt`) Spectre.Console has no terminal width to go by and wraps at 80
/// columns, which split detect's results folder, error text and table cells over several lines that scripts read and people
/// paste. A redirected console gets a width no line of ours reaches, so each line stays whole; tables size to their content.
/// </summary>
internal static class RedirectedConsole
{
    public const int Width = 1024;

    public static void Widen(IAnsiConsole console)
    {
        if (Console.IsOutputRedirected)
        {
            console.Profile.Width = Width;
        }
    }
}
