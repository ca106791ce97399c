using System.Diagnostics;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>
/// scripts/test.sh (the README's second command, and CI's .ci/run) ends with the line "N passed, N failed, N skipped", which
/// CI reads from the tail of its output: a run that stops before any test ran must end with that line too.
/// </summary>
public sealed class TestScriptSummaryTests
{
    [Fact]
    public async Task A_set_up_that_fails_before_the_build_still_ends_with_the_summary_line_and_a_failing_exit_code()
    {
        // A machine without Node: bootstrap.sh stops at its tool check. Every other tool it asks for is a stand-in that
        // does nothing, so nothing is installed or built.
        using var tools = new ScratchDirectory("synomaly-test-sh-tools");
        Directory.CreateDirectory(tools.Location);
        foreach (var real in new[] { "bash", "dirname", "id", "cat", "mktemp", "rm", "grep", "tee", "awk", "tail", "sed" })
        {
            File.CreateSymbolicLink(Path.Combine(tools.Location, real), Which(real));
        }

        foreach (var standIn in new[] { "patchelf", "g++", "python3", "gdcmconv", "dcmdjpeg", "dotnet", "npm" })
        {
            File.CreateSymbolicLink(Path.Combine(tools.Location, standIn), Which("true"));
        }

        // Both streams into one, in order, as CI keeps them.
        var info = new ProcessStartInfo(Which("bash"), ["-c", "exec 2>&1; exec bash \"$0\"", Path.Combine(TestPaths.RepositoryRoot, "scripts", "test.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = TestPaths.RepositoryRoot,
        };
        info.Environment["PATH"] = tools.Location;

        var (code, output) = await ChildProcess.RunAsync(info, TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);

        Assert.Contains("'node' is required", output, StringComparison.Ordinal);
        Assert.NotEqual(0, code);
        Assert.Equal("0 passed, 1 failed, 0 skipped", output.TrimEnd('\n').Split('\n')[^1]);
    }

    private static string Which(string command) =>
        new[] { "/usr/local/bin", "/usr/bin", "/bin" }.Select(dir => Path.Combine(dir, command)).FirstOrDefault(File.Exists)
        ?? throw new FileNotFoundException($"'{command}' is not installed in /usr/local/bin, /usr/bin or /bin.");
}
