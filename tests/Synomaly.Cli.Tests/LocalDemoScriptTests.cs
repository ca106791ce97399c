using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>
/// scripts/demo.sh ends by running the long-lived `synomaly demo`. Run as a child of bash, a SIGTERM or SIGHUP sent to the
/// script (a CI timeout, a closed terminal) ends bash alone and leaves the CLI, its trigger host, its worker and Azurite
/// running with nobody to stop them; exec'd, the CLI is the process that gets the signal and stops its pipeline.
/// </summary>
public sealed class LocalDemoScriptTests
{
    [Fact]
    public void The_demo_script_execs_the_cli_so_that_signals_to_it_reach_the_pipeline()
    {
        var lines = File.ReadAllLines(Path.Combine(TestPaths.RepositoryRoot, "scripts", "demo.sh"));
        string cli = Assert.Single(lines, line => line.Contains("Synomaly.Cli.dll", StringComparison.Ordinal) && !line.TrimStart().StartsWith('#'));
        Assert.StartsWith("exec ", cli.TrimStart(), StringComparison.Ordinal);
    }
}
