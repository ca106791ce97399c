using System.Diagnostics;
using System.Globalization;
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
        foreach (var real in new[] { "bash", "dirname", "id", "cat", "mktemp", "rm", "grep", "tee", "awk", "tail", "sed", "mkdir", "flock" })
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

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_SIGTERM_sent_to_the_script_alone_stops_the_test_run_and_still_ends_with_the_summary_line()
    {
        // A CI job timeout or `kill <pid>` signals the script's PID only. A copy of the script in a scratch repository whose
        // bootstrap.sh does nothing, and a stand-in dotnet whose build succeeds and whose test run prints a failed test and
        // an NNPACK notice, then sleeps as a long test run would, writing its PID first so that the test can see it end.
        using var scratch = new ScratchDirectory("synomaly-test-sh-term");
        var scripts = Path.Combine(scratch.Location, "scripts");
        var tools = Path.Combine(scratch.Location, "tools");
        Directory.CreateDirectory(scripts);
        Directory.CreateDirectory(tools);
        File.Copy(Path.Combine(TestPaths.RepositoryRoot, "scripts", "test.sh"), Path.Combine(scripts, "test.sh"));
        File.Copy(Path.Combine(TestPaths.RepositoryRoot, "scripts", "build-lock.sh"), Path.Combine(scripts, "build-lock.sh"));
        File.WriteAllText(Path.Combine(scripts, "bootstrap.sh"), "exit 0\n");
        foreach (var real in new[] { "bash", "dirname", "cat", "mktemp", "rm", "grep", "tee", "awk", "tail", "sleep", "mv", "mkdir", "flock" })
        {
            File.CreateSymbolicLink(Path.Combine(tools, real), Which(real));
        }

        var pidFile = Path.Combine(scratch.Location, "dotnet-test.pid");
        var dotnet = Path.Combine(tools, "dotnet");
        File.WriteAllText(dotnet, $$"""
            #!{{Which("bash")}}
            if [[ "$1" == build ]]; then echo "Build succeeded"; exit 0; fi
            echo "failed Some.Test (3ms)"
            echo "  Assert.True() Failure"
            echo "Could not initialize NNPACK! Reason: Unsupported hardware."
            echo $$ >"{{pidFile}}.tmp" && mv "{{pidFile}}.tmp" "{{pidFile}}"
            exec sleep 300
            """.Replace("\r", "", StringComparison.Ordinal) + "\n");
        File.SetUnixFileMode(dotnet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var info = new ProcessStartInfo(Which("bash"), ["-c", "exec 2>&1; exec bash \"$0\"", Path.Combine(scripts, "test.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = scratch.Location,
        };
        info.Environment["PATH"] = tools;
        using var script = Process.Start(info)!;
        var stdout = script.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = script.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        int testRunPid;
        try
        {
            var started = Stopwatch.StartNew();
            while (!File.Exists(pidFile))
            {
                Assert.False(script.HasExited, "The script ended before its test run started:\n" + (script.HasExited ? await stdout : ""));
                Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), "The stand-in dotnet test did not start within 30 s.");
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }

            testRunPid = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
            using (var kill = Process.Start(Which("kill"), ["-TERM", script.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
            }

            // A guard against a hang, well short of the stand-in's 300 s sleep: the script must not wait for it to end.
            using var hangGuard = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            hangGuard.CancelAfter(TimeSpan.FromSeconds(30));
            await script.WaitForExitAsync(hangGuard.Token);
        }
        finally
        {
            if (!script.HasExited)
            {
                script.Kill(entireProcessTree: true);
            }
        }

        // Checked before the output is read: a test run left running holds the output pipe open (through tee and grep) until
        // it ends, so it is ended here for the reads to finish, and the test fails below.
        var stopped = Stopped(testRunPid);
        if (!stopped)
        {
            using var leftover = Process.Start(Which("kill"), ["-KILL", testRunPid.ToString(CultureInfo.InvariantCulture)]);
            await leftover.WaitForExitAsync(TestContext.Current.CancellationToken);
        }

        var (code, output) = (script.ExitCode, await stdout + await stderr);

        Assert.True(stopped, $"The test run (PID {testRunPid}) was still running after the script ended:\n{output}");
        var lines = output.TrimEnd('\n').Split('\n');
        Assert.Matches(@"^[0-9]+ passed, [1-9][0-9]* failed, [0-9]+ skipped$", lines[^1]);
        Assert.Contains("interrupted", lines[^2], StringComparison.Ordinal);
        Assert.Contains("Failed tests (repeated from above):", output, StringComparison.Ordinal);
        Assert.Contains("(1 libtorch NNPACK notices not shown)", output, StringComparison.Ordinal);
        Assert.Equal(143, code);
    }

    /// <summary>Gone, or a zombie: ended, waiting only for a parent to collect its exit status.</summary>
    private static bool Stopped(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return true;
        }
    }

    private static string Which(string command) =>
        new[] { "/usr/local/bin", "/usr/bin", "/bin" }.Select(dir => Path.Combine(dir, command)).FirstOrDefault(File.Exists)
        ?? throw new FileNotFoundException($"'{command}' is not installed in /usr/local/bin, /usr/bin or /bin.");
}
