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
        string scripts = Path.Combine(scratch.Location, "scripts"), tools = Path.Combine(scratch.Location, "tools");
        Directory.CreateDirectory(scripts);
        Directory.CreateDirectory(tools);
        foreach (var file in new[] { script, "build-lock.sh" }.Where(f => File.Exists(Path.Combine(TestPaths.RepositoryRoot, "scripts", f))))
        {
            File.Copy(Path.Combine(TestPaths.RepositoryRoot, "scripts", file), Path.Combine(scripts, file));
        }

        File.WriteAllText(Path.Combine(scripts, "bootstrap.sh"), "exit 0\n");
        string log = Path.Combine(scratch.Location, "builds.log"), release = Path.Combine(scratch.Location, "release");
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
