using System.Diagnostics;
using System.Runtime.Versioning;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>
/// Two builds of one checkout at once write the same obj/ and bin/ files and break each other (stale dlls, CS0117). The
/// scripts that build (demo.sh and test.sh, the README's two commands) take the checkout's build lock: a second run
/// started while the first builds says it waits, and builds only once the first's build is over. Each script runs from a
/// scratch copy with a bootstrap that does nothing and a stand-in dotnet whose build logs its start and end and lasts
/// until the test lets it end.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class ConcurrentBuildLockTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("demo.sh")]
    [InlineData("test.sh")]
    public async Task A_second_run_waits_for_the_first_run_s_build_and_says_so(string script)
    {
        using var scratch = new ScratchDirectory("synomaly-build-lock");
        string tools = StandIns(scratch.Location, script, out string log, out string release);

        string secondOutput = Path.Combine(scratch.Location, "second.out");
        using var first = Start(scratch.Location, script, tools, "first.out");
        Process? second = null;
        try
        {
            await Until(() => Builds(log).Length == 1, "the first run's build to start");
            second = Start(scratch.Location, script, tools, "second.out");
            await Until(() => Read(secondOutput).Contains("waiting", StringComparison.Ordinal) || Builds(log).Length > 1, "the second run to wait or build");

            Assert.Equal(1, Builds(log).Count(l => l.StartsWith("start", StringComparison.Ordinal)));
            Assert.Contains("waiting for another build of this checkout", Read(secondOutput), StringComparison.Ordinal);

            File.WriteAllBytes(release, []);
            foreach (var run in new[] { first, second })
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
                timeout.CancelAfter(Patience);
                await run.WaitForExitAsync(timeout.Token);
                Assert.Equal(0, run.ExitCode);
            }

            // One build after the other: the first's start and end, then the second's.
            var builds = Builds(log).Select(l => l.Split(' ')).ToArray();
            Assert.Equal(["start", "end", "start", "end"], builds.Select(b => b[0]));
            Assert.Equal(builds[0][1], builds[1][1]);
            Assert.Equal(builds[2][1], builds[3][1]);
        }
        finally
        {
            File.WriteAllBytes(release, []);
            Stop(first);
            Stop(second);
            second?.Dispose();
        }
    }

    [Theory]
    [InlineData("demo.sh")]
    [InlineData("test.sh")]
    public async Task A_lock_file_that_cannot_be_opened_builds_unlocked_and_says_why(string script)
    {
        // out/ read-only, or out/.build.lock not a file: exec 9> failed, test.sh then said it was waiting for another build
        // (flock on a closed descriptor) and demo.sh (set -e) ended with bash's bare redirection error, building nothing.
        using var scratch = new ScratchDirectory("synomaly-build-lock");
        string tools = StandIns(scratch.Location, script, out string log, out string release);
        File.WriteAllBytes(release, []);
        // A folder where the lock file should be: no descriptor can be opened for writing on it, not even by root.
        Directory.CreateDirectory(Path.Combine(scratch.Location, "out", ".build.lock"));

        using var run = Start(scratch.Location, script, tools, "run.out");
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            timeout.CancelAfter(Patience);
            await run.WaitForExitAsync(timeout.Token);
        }

        string output = Read(Path.Combine(scratch.Location, "run.out"));
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {output}");
        Assert.Equal(["start", "end"], Builds(log).Select(l => l.Split(' ')[0]));
        Assert.Contains("cannot open out/.build.lock", output, StringComparison.Ordinal);
        Assert.DoesNotContain("waiting for another build", output, StringComparison.Ordinal);
    }

    /// <summary>A scratch checkout with <paramref name="script"/>, build-lock.sh, a bootstrap that does nothing and a stand-in dotnet; returns its tools folder.</summary>
    private static string StandIns(string root, string script, out string log, out string release)
    {
        string scripts = Path.Combine(root, "scripts"), tools = Path.Combine(root, "tools");
        Directory.CreateDirectory(scripts);
        Directory.CreateDirectory(tools);
        foreach (var file in new[] { script, "build-lock.sh" })
        {
            File.Copy(Path.Combine(TestPaths.RepositoryRoot, "scripts", file), Path.Combine(scripts, file));
        }

        File.WriteAllText(Path.Combine(scripts, "bootstrap.sh"), "exit 0\n");
        log = Path.Combine(root, "builds.log");
        release = Path.Combine(root, "release");
        string dotnet = Path.Combine(tools, "dotnet");
        File.WriteAllText(dotnet, $$"""
            #!/bin/bash
            if [[ "$1" == build ]]; then
              echo "start $$" >>"{{log}}"
              while [[ ! -e "{{release}}" ]]; do sleep 0.05; done
              echo "end $$" >>"{{log}}"
              echo "Build succeeded"
            fi
            exit 0
            """.Replace("\r", "", StringComparison.Ordinal) + "\n");
        File.SetUnixFileMode(dotnet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return tools;
    }

    private static string Read(string file) => File.Exists(file) ? File.ReadAllText(file) : "";

    private static string[] Builds(string log) => File.Exists(log) ? File.ReadAllLines(log) : [];

    private static Process Start(string root, string script, string tools, string output)
    {
        var info = new ProcessStartInfo("/bin/bash", ["-c", "exec >\"$1\" 2>&1 </dev/null; exec bash \"$0\"", Path.Combine(root, "scripts", script), Path.Combine(root, output)])
        {
            WorkingDirectory = root,
            UseShellExecute = false,
        };
        info.Environment["PATH"] = tools + ":" + Environment.GetEnvironmentVariable("PATH");
        var process = Process.Start(info)!;
        return process;
    }

    private static async Task Until(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting for {what}.");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    private static void Stop(Process? process)
    {
        if (process is { HasExited: false })
        {
            process.Kill(entireProcessTree: true);
        }
    }
}
