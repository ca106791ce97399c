using System.Diagnostics;
using System.Globalization;
using Synomaly.Testing;

namespace Synomaly.DevHost.Tests;

/// <summary>
/// The trigger host as the CLI's local pipeline runs it: a child process (synomaly-devhost) that ManagedProcess stops with
/// SIGTERM, then SIGKILL once the host's stop timeout (HostShutdown) and a margin have run out. Each test gets a storage
/// account of its own, so its host's blob trigger never sees the uploads of the tests running beside it.
/// </summary>
[Trait("Category", "Integration")]
public sealed class DevHostProcessTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sigterm_stops_a_running_trigger_host_cleanly()
    {
        using var devHost = Start(withModelVersion: true);
        var output = new ProcessOutput(devHost);
        await output.WaitForAsync("Job host started", TimeSpan.FromSeconds(90));

        var signalled = Stopwatch.StartNew();
        using (var term = Process.Start("kill", ["-TERM", devHost.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync(Ct);
        }

        // A bound on a hang, not a speed target: the host that ignored SIGTERM never exited on its own (ManagedProcess
        // killed it 15 s later, mid-function). How long a clean stop takes depends on the machine; a .NET host stopping
        // on a loaded 2-core CI machine can take longer than the 10 s this once allowed.
        using var hangGuard = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        hangGuard.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await devHost.WaitForExitAsync(hangGuard.Token);
        }
        catch (OperationCanceledException) when (!Ct.IsCancellationRequested)
        {
            devHost.Kill(entireProcessTree: true);
            Assert.Fail($"The trigger host was still running {signalled.Elapsed.TotalSeconds:F0} s after SIGTERM.");
        }

        Assert.Equal(0, devHost.ExitCode);
    }

    [Fact]
    public async Task A_missing_required_setting_ends_the_host_with_a_one_line_error_naming_it()
    {
        using var devHost = Start(withModelVersion: false);
        var output = new ProcessOutput(devHost);
        using var hangGuard = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        hangGuard.CancelAfter(TimeSpan.FromSeconds(90));
        try
        {
            await devHost.WaitForExitAsync(hangGuard.Token);
        }
        finally
        {
            if (!devHost.HasExited)
            {
                devHost.Kill(entireProcessTree: true);
            }
        }

        string printed = output.Text;
        Assert.NotEqual(0, devHost.ExitCode);
        Assert.Contains("ModelVersion", printed, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", printed, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", printed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_first_start_that_fails_ends_the_host_with_exit_3_and_one_line_naming_the_problem()
    {
        // Storage that does not answer (Azurite not running, a wrong port): the first start fails, and the process used to
        // die of the unhandled exception (exit 134, a stack trace on stderr) instead of saying so.
        int closedPort = Synomaly.Storage.Local.LoopbackPort.Free();
        string unreachable = System.Text.RegularExpressions.Regex.Replace(azurite.PrivateAccountConnectionString(), @"127\.0\.0\.1:\d+", $"127.0.0.1:{closedPort}");
        using var devHost = Start(withModelVersion: true, unreachable);
        var output = new ProcessOutput(devHost);
        using var hangGuard = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        hangGuard.CancelAfter(TimeSpan.FromSeconds(120));
        try
        {
            await devHost.WaitForExitAsync(hangGuard.Token);
        }
        finally
        {
            if (!devHost.HasExited)
            {
                devHost.Kill(entireProcessTree: true);
            }
        }

        string printed = output.Text;
        Assert.True(devHost.ExitCode == 3, $"exit {devHost.ExitCode}; output:\n{printed}");
        Assert.Contains("synomaly-devhost: the trigger host could not start:", printed, StringComparison.Ordinal);
        Assert.Contains(closedPort.ToString(CultureInfo.InvariantCulture), printed, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", printed, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", printed, StringComparison.Ordinal);
        Assert.DoesNotContain("AccountKey", printed, StringComparison.Ordinal);
    }

    private Process Start(bool withModelVersion, string? connectionString = null)
    {
        var info = new ProcessStartInfo("dotnet", ["exec", Path.Combine(AppContext.BaseDirectory, "Synomaly.DevHost.dll")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.Environment["ScansStorage"] = connectionString ?? azurite.PrivateAccountConnectionString();
        info.Environment["Intake__ModelName"] = "brain-mri-demo";
        info.Environment.Remove("Intake__ModelVersion");
        if (withModelVersion)
        {
            info.Environment["Intake__ModelVersion"] = "v1";
        }

        return Process.Start(info)!;
    }

    /// <summary>Everything a child process prints, stdout and stderr together, collected as it arrives.</summary>
    private sealed class ProcessOutput
    {
        private readonly System.Text.StringBuilder text = new();

        public ProcessOutput(Process process)
        {
            process.OutputDataReceived += (_, e) => Append(e.Data);
            process.ErrorDataReceived += (_, e) => Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public string Text
        {
            get
            {
                lock (text)
                {
                    return text.ToString();
                }
            }
        }

        public async Task WaitForAsync(string line, TimeSpan patience)
        {
            var deadline = DateTime.UtcNow + patience;
            while (!Text.Contains(line, StringComparison.Ordinal))
            {
                Assert.True(DateTime.UtcNow < deadline, $"'{line}' not printed within {patience.TotalSeconds} s; output:\n{Text}");
                await Task.Delay(200, Ct);
            }
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (text)
                {
                    text.AppendLine(line);
                }
            }
        }
    }
}
