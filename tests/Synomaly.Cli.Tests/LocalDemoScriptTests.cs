using System.Diagnostics;
using Synomaly.Cli.Local;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>
/// scripts/demo.sh ends by running the long-lived `synomaly demo`. Run as a child of bash, a SIGTERM or SIGHUP sent to the
/// script (a CI timeout, a closed terminal) ends bash alone and leaves the CLI, its trigger host, its worker and Azurite
/// running with nobody to stop them; exec'd, the CLI is the process that gets the signal and stops its pipeline.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LocalDemoScriptTests
{
    [Fact]
    public void The_demo_script_execs_the_cli_so_that_signals_to_it_reach_the_pipeline()
    {
        var lines = File.ReadAllLines(Path.Combine(TestPaths.RepositoryRoot, "scripts", "demo.sh"));
        string cli = Assert.Single(lines, line => line.Contains("Synomaly.Cli.dll", StringComparison.Ordinal) && !line.TrimStart().StartsWith('#'));
        Assert.StartsWith("exec ", cli.TrimStart(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_demo_script_runs_the_cli_in_the_caller_s_folder_so_that_a_relative_model_is_read_from_there()
    {
        // demo reads a --model, --samples or --out given on the command line from the current folder; the script changed
        // into the repository to build and ran the CLI there, so './scripts/demo.sh --model run1/model' from a data folder
        // was looked for under the repository again.
        using var scratch = new ScratchDirectory("synomaly-demo-script");
        string caller = Directory.CreateDirectory(Path.Combine(scratch.Location, "my-data")).FullName;

        var (folder, _) = await RunScriptCopy(scratch.Location, caller);

        Assert.Equal(caller, folder);
    }

    [Fact]
    public async Task The_demo_script_names_its_own_checkout_to_the_cli_when_run_from_inside_another()
    {
        // The CLI looks for the repository from the current folder first: run from inside another checkout, the demo took
        // that checkout's samples and built hosts rather than those of the checkout the script was built in.
        using var scratch = new ScratchDirectory("synomaly-demo-script-other");
        string other = Directory.CreateDirectory(Path.Combine(scratch.Location, "other-checkout")).FullName;
        File.WriteAllText(Path.Combine(other, "Synomaly.Cloud.sln"), string.Empty);

        var (_, repository) = await RunScriptCopy(scratch.Location, other);

        Assert.Equal(Path.Combine(scratch.Location, "repository"), repository);
    }

    /// <summary>
    /// Runs a copy of scripts/demo.sh in <paramref name="scratch"/>/repository from <paramref name="caller"/>, with
    /// stand-ins for bootstrap and dotnet; returns the folder the CLI was started in and the repository it was named.
    /// </summary>
    private static async Task<(string Folder, string Repository)> RunScriptCopy(string scratch, string caller)
    {
        string root = Path.Combine(scratch, "repository");
        string scripts = Directory.CreateDirectory(Path.Combine(root, "scripts")).FullName;
        foreach (var script in new[] { "demo.sh", "build-lock.sh" })
        {
            File.Copy(Path.Combine(TestPaths.RepositoryRoot, "scripts", script), Path.Combine(scripts, script));
        }

        await File.WriteAllTextAsync(Path.Combine(scripts, "bootstrap.sh"), "exit 0\n", TestContext.Current.CancellationToken);
        string bin = Directory.CreateDirectory(Path.Combine(scratch, "bin")).FullName;
        string recorded = Path.Combine(scratch, "cli-start.txt");
        string dotnet = Path.Combine(bin, "dotnet");
        await File.WriteAllTextAsync(
            dotnet,
            $"#!/usr/bin/env bash\ncase \"$*\" in *Synomaly.Cli.dll*) {{ pwd; echo \"${{{RepositoryPaths.RepositoryVariable}:-}}\"; }} > '{recorded}';; esac\nexit 0\n",
            TestContext.Current.CancellationToken);
        File.SetUnixFileMode(dotnet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var start = new ProcessStartInfo("bash") { WorkingDirectory = caller, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[] { Path.Combine(scripts, "demo.sh"), "--model", "run1/model" })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PATH"] = $"{bin}{Path.PathSeparator}{Environment.GetEnvironmentVariable("PATH")}";
        start.Environment.Remove(RepositoryPaths.RepositoryVariable);
        using var process = Process.Start(start)!;
        string error = await process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.True(process.ExitCode == 0, error);
        var lines = await File.ReadAllLinesAsync(recorded, TestContext.Current.CancellationToken);
        return (lines[0], lines[1]);
    }
}
