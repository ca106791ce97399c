using System.CommandLine;
using System.Net.Sockets;
using Spectre.Console;
using Synomaly.Cli.Commands;
using Synomaly.Cli.Local;
using Synomaly.Storage.Local;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>`synomaly up` keeps the environment up in the foreground until cancelled, then stops the Azurite it started.</summary>
[Collection(ConsoleDisplayCollection.Name)]
public sealed class UpCommandTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Up_keeps_azurite_answering_until_cancelled_and_then_stops_it()
    {
        using var state = new ScratchDirectory("synomaly-up");
        var azurite = AzuriteScript.IsolatedEnvironment(state.Location);
        using var stop = new CancellationTokenSource();
        var originalConsole = AnsiConsole.Console;
        using var printed = new StringWriter();
        var output = TextWriter.Synchronized(printed);
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Interactive = InteractionSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        var up = UpCommand.Create(() => TestPaths.RepositoryRoot, azurite).Parse([]).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }, stop.Token);
        try
        {
            await WaitUntil(() => Task.FromResult(Printed(output, printed).Contains("Press Ctrl+C to stop", StringComparison.Ordinal) || up.IsCompleted), "up to report the environment ready");
            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
            Assert.False(up.IsCompleted, "up returned instead of staying in the foreground");
            Assert.True(await Answers(state.Location), "Azurite stopped while up was waiting");

            await stop.CancelAsync();

            Assert.Equal(0, await up.WaitAsync(Patience, TestContext.Current.CancellationToken));
            Assert.False(await Answers(state.Location), "up left the Azurite it started running");
        }
        finally
        {
            AnsiConsole.Console = originalConsole;
            await AzuriteScript.StopAsync(TestPaths.RepositoryRoot, azurite, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Up_ends_saying_the_storage_emulator_stopped_when_azurite_dies_and_cleans_up()
    {
        using var state = new ScratchDirectory("synomaly-up-azurite-died");
        var azurite = AzuriteScript.IsolatedEnvironment(state.Location);
        var originalConsole = AnsiConsole.Console;
        using var printed = new StringWriter();
        var output = TextWriter.Synchronized(printed);
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output), Interactive = InteractionSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        var up = UpCommand.Create(() => TestPaths.RepositoryRoot, azurite).Parse([]).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }, TestContext.Current.CancellationToken);
        try
        {
            await WaitUntil(() => Task.FromResult(Printed(output, printed).Contains("Press Ctrl+C to stop", StringComparison.Ordinal) || up.IsCompleted), "up to report the environment ready");

            await StorageStoppedTests.KillAzuriteAsync(state.Location, TestContext.Current.CancellationToken);

            var stopped = await Assert.ThrowsAsync<LocalStorageStoppedException>(() => up.WaitAsync(Patience, TestContext.Current.CancellationToken));
            Assert.Equal("the local storage emulator (Azurite) stopped while up was running; see azurite.log in this run's Azurite state folder (AZURITE_DIR: by default .azurite in the repository; azurite under --out for soak)", stopped.Message);
            Assert.False(File.Exists(Path.Combine(state.Location, LocalRunRecord.FileName)), "up left its record of a run that has ended");
            Assert.False(File.Exists(Path.Combine(state.Location, "location")), "up left the dead Azurite's data behind");
        }
        finally
        {
            AnsiConsole.Console = originalConsole;
            await AzuriteScript.StopAsync(TestPaths.RepositoryRoot, azurite, CancellationToken.None);
        }
    }

    [Fact]
    public async Task Up_is_refused_while_hosts_a_demo_keep_left_on_its_state_folder_still_run_and_starts_nothing()
    {
        // up started (or found) their Azurite and said the environment was ready: hosts the user then started on it shared
        // the queues with the kept trigger host and worker, which took their jobs; and an up that started Azurite because
        // the kept one had been stopped wiped it from under the kept hosts when it ended.
        using var state = new ScratchDirectory("synomaly-up-kept-hosts");
        var azurite = AzuriteScript.IsolatedEnvironment(state.Location);
        using var triggerHost = System.Diagnostics.Process.Start("sleep", "600");
        using var worker = System.Diagnostics.Process.Start("sleep", "600");
        KeptHosts.Record(state.Location, [("trigger host", triggerHost.Id), ("GPU worker", worker.Id)]);
        using var gaveUp = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        gaveUp.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            var up = UpCommand.Create(() => TestPaths.RepositoryRoot, azurite).Parse([]).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }, gaveUp.Token);

            var refused = await Assert.ThrowsAsync<KeptHostsRunningException>(() => up);

            Assert.Contains($"the trigger host (PID {triggerHost.Id}) and the GPU worker (PID {worker.Id})", refused.Message, StringComparison.Ordinal);
            Assert.Contains($"kill {triggerHost.Id} {worker.Id}", refused.Message, StringComparison.Ordinal);
            Assert.False(triggerHost.HasExited || worker.HasExited, "a kept host was stopped");
            Assert.False(await Answers(state.Location), "the refused up started Azurite");
            Assert.False(File.Exists(Path.Combine(state.Location, LocalRunRecord.FileName)), "the refused up began a run record");
        }
        finally
        {
            triggerHost.Kill();
            worker.Kill();
            await AzuriteScript.StopAsync(TestPaths.RepositoryRoot, azurite, CancellationToken.None);
        }
    }

    /// <summary>What the command has printed so far; <paramref name="output"/> (synchronised) locks on itself while it writes.</summary>
    private static string Printed(TextWriter output, StringWriter printed)
    {
        lock (output)
        {
            return printed.ToString();
        }
    }

    /// <summary>
    /// Whether the blob service of the Azurite kept in <paramref name="state"/> accepts a connection; its ports are read
    /// from the state folder, since the start draws new ones when a drawn port was taken meanwhile.
    /// </summary>
    private static async Task<bool> Answers(string state)
    {
        string ports = Path.Combine(state, "ports");
        if (!File.Exists(ports))
        {
            return false;
        }

        using var client = new TcpClient();
        try
        {
            int blobPort = int.Parse(File.ReadAllText(ports).Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], System.Globalization.CultureInfo.InvariantCulture);
            await client.ConnectAsync("127.0.0.1", blobPort, TestContext.Current.CancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task WaitUntil(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"gave up waiting for {what}");
            await Task.Delay(TimeSpan.FromMilliseconds(250), TestContext.Current.CancellationToken);
        }
    }
}
