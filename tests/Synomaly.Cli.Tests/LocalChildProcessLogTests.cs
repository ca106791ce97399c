using System.Diagnostics;
using Synomaly.Cli.Local;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>
/// `synomaly demo --keep` exits and leaves the trigger host and the worker running: their logs must go on without the CLI,
/// so each child writes its log file itself instead of handing its output to the CLI through pipes.
/// </summary>
public sealed class LocalChildProcessLogTests
{
    [Fact]
    public async Task A_child_process_writes_its_output_straight_into_its_log_file()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var work = new ScratchDirectory("synomaly-child-log");
        Directory.CreateDirectory(work.Location);
        // A child that stays alive: the runtime blocks opening an "assembly" that is a named pipe nobody writes to.
        string assembly = Path.Combine(work.Location, "blocked.dll");
        using (var mkfifo = Process.Start("mkfifo", [assembly]))
        {
            await mkfifo.WaitForExitAsync(cancellationToken);
        }

        File.Copy(Path.Combine(AppContext.BaseDirectory, "Synomaly.Cli.Tests.runtimeconfig.json"), Path.Combine(work.Location, "blocked.runtimeconfig.json"));
        string log = Path.Combine(work.Location, "logs", "child.log");

        var child = ManagedProcess.Start(assembly, new Dictionary<string, string>(), log, TimeSpan.FromSeconds(10));
        try
        {
            string? stdout = null, stderr = null;
            for (var waited = Stopwatch.StartNew(); waited.Elapsed < TimeSpan.FromSeconds(20) && !child.HasExited; await Task.Delay(100, cancellationToken))
            {
                stdout = new FileInfo($"/proc/{child.Id}/fd/1").LinkTarget;
                stderr = new FileInfo($"/proc/{child.Id}/fd/2").LinkTarget;
                if (stdout == log && stderr == log)
                {
                    break;
                }
            }

            Assert.Equal(log, stdout);
            Assert.Equal(log, stderr);
        }
        finally
        {
            child.Kill();
            await child.DisposeAsync();
        }
    }
}
