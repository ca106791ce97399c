using System.Diagnostics;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>
/// With its output redirected (a script, a CI log, `> out.txt`) the CLI has no terminal width, and Spectre.Console then
/// wraps at 80 columns: detect's results folder came out split over three table rows, so a script could not read it and a
/// person could not paste it. The built CLI runs in a process of its own here, as a script would run it.
/// </summary>
public sealed class RedirectedOutputTests
{
    [Fact]
    public async Task Detect_with_redirected_output_prints_its_results_folder_on_one_line()
    {
        using var scratch = new ScratchDirectory("synomaly-redirected");
        string output = Path.Combine(scratch.Location, "results-folder-with-a-name-long-enough-to-need-more-than-eighty-columns");
        string cli = Path.Combine(TestPaths.RepositoryRoot, "src", "Cli", "bin", "Release", "net10.0", "Synomaly.Cli.dll");
        var info = new ProcessStartInfo("dotnet", [cli, "detect", Path.Combine(TestPaths.RepositoryRoot, "samples", "brain-mri", "colin27-healthy.png"),
            "--model", Path.Combine(TestPaths.RepositoryRoot, "models", "brain-mri-demo"), "--device", "cpu", "--out", output])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        var (code, printed) = await ChildProcess.RunAsync(info, TimeSpan.FromMinutes(10), TestContext.Current.CancellationToken);

        Assert.True(code == 0, printed);
        string folder = Assert.Single(Directory.GetDirectories(output));
        Assert.Contains(printed.Split('\n'), line => line.Contains(folder, StringComparison.Ordinal));
    }
}
