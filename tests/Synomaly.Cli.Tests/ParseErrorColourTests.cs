using System.Diagnostics;
using System.Text.RegularExpressions;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>
/// On a terminal a parse error is printed in red, as System.CommandLine printed it before the command line printed the
/// errors itself (<see cref="ParseErrorLine"/>): its colour was then set around nothing, and the errors came out uncoloured.
/// The colour only reaches a terminal, so the command line runs on a pseudo-terminal here (script(1), util-linux).
/// </summary>
public sealed partial class ParseErrorColourTests
{
    [Fact]
    public async Task A_parse_error_on_a_terminal_is_printed_in_red()
    {
        string cli = Path.Combine(TestPaths.RepositoryRoot, "src", "Cli", "bin", "Release", "net10.0", "Synomaly.Cli.dll");
        var info = new ProcessStartInfo("script", ["--quiet", "--return", "--command", $"dotnet '{cli}' import-weights best_model.pt out --k abc", "/dev/null"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["TERM"] = "xterm-256color";

        var (code, printed) = await ChildProcess.RunAsync(info, TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);

        Assert.Equal(2, code);
        Assert.Matches(RedThenTheError(), printed);
    }

    /// <summary>The terminal's red (ConsoleColor.Red: 91, or 31 with bold) set, and no other escape before the error's text.</summary>
    [GeneratedRegex(@"\x1b\[(?:91|31(?:;1)?)m[^\x1b]*Cannot parse argument 'abc' for option '--k'")]
    private static partial Regex RedThenTheError();
}
