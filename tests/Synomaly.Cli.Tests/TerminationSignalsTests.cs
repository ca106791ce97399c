using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Synomaly.Cli.Commands;
using Synomaly.Testing;

namespace Synomaly.Cli.Tests;

/// <summary>
/// Ctrl-C and SIGTERM. The end-to-end test signals this very process, so it runs alone (after the parallel classes):
/// a command of another class running beside it would be cancelled too.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessSignalsCollection
{
    public const string Name = "process signals";
}

[Collection(ProcessSignalsCollection.Name)]
public sealed class TerminationSignalsTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("synomaly-signals-").FullName;

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public async Task A_second_signal_while_train_is_stopping_is_acknowledged_and_the_run_still_exits_130()
    {
        // train reads its manifest from a named pipe, so the test knows the command is running (and holds it there) while
        // it sends the signals. SIGTERM rather than SIGINT: a test host started in the background ignores SIGINT, and
        // both go through the same handler.
        string manifest = Path.Combine(_scratch, "slices.txt");
        Run("mkfifo", manifest);
        string slice = Directory.EnumerateFiles(Path.Combine(TestPaths.Data, "brain-mri-ixi-t1", "val"), "*.png").Order(StringComparer.Ordinal).First();
        string output = Path.Combine(_scratch, "run");

        // Started on another thread: a command that works synchronously would otherwise hold this one until it ends.
        var train = Task.Run(() => StandardError.Capture(
            ["train", manifest, "--out", output, "--steps", "100000", "--size", "32", "--model-channels", "32", "--channel-mult", "1,2", "--res-blocks", "1", "--attention", "2", "--head-channels", "32", "--batch", "1", "--loss", "mse", "--device", "cpu"]), TestContext.Current.CancellationToken);
        await using (var writer = await OpenWhenReadAsync(manifest))
        {
            Signal("TERM");
            Signal("TERM");
            await writer.WriteAsync(System.Text.Encoding.UTF8.GetBytes(slice), TestContext.Current.CancellationToken);
        }

        var (code, error) = await train;

        Assert.Equal(TrainCommand.CancelledExitCode, code);
        Assert.Contains("Already stopping", error, StringComparison.Ordinal);
        // The signals arrive while train reads its data, which it now stops at (nothing to checkpoint yet); a signal in
        // training checkpoints, as TrainCommandTests checks.
        Assert.Contains("cancelled: train stopped while reading the training data; nothing was written.", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(output, "checkpoint")));
    }

    [Fact]
    public void Every_signal_after_the_first_is_acknowledged_without_cancelling_again_or_throwing()
    {
        using var messages = new StringWriter();
        using var signals = TerminationSignals.Unregistered(TimeSpan.FromMinutes(1), messages);

        signals.Receive(PosixSignal.SIGINT);
        signals.Receive(PosixSignal.SIGINT);
        signals.Receive(PosixSignal.SIGTERM);

        Assert.True(signals.Token.IsCancellationRequested);
        Assert.False(signals.ForcedExit.IsCompleted, "the grace period of the first signal is still running");
        Assert.Equal(2, messages.ToString().Split("Already stopping").Length - 1);
    }

    [Fact]
    public async Task A_command_still_running_when_the_grace_period_is_spent_is_given_up_with_the_first_signals_exit_code()
    {
        using var messages = new StringWriter();
        using var signals = TerminationSignals.Unregistered(TimeSpan.FromMilliseconds(50), messages);

        signals.Receive(PosixSignal.SIGTERM);
        int code = await signals.ForcedExit.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        signals.Receive(PosixSignal.SIGINT);

        Assert.Equal(143, code);
    }

    [Fact]
    public async Task A_command_still_running_when_a_hang_ups_grace_period_is_spent_is_given_up_with_129()
    {
        using var messages = new StringWriter();
        using var signals = TerminationSignals.Unregistered(TimeSpan.FromMilliseconds(50), messages);

        signals.Receive(PosixSignal.SIGHUP);

        Assert.True(signals.Token.IsCancellationRequested);
        Assert.Equal(129, await signals.ForcedExit.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
    }

    [Fact]
    public void A_signal_that_arrives_after_the_command_ended_is_ignored()
    {
        using var messages = new StringWriter();
        var signals = TerminationSignals.Unregistered(TimeSpan.FromMinutes(1), messages);
        signals.Dispose();

        signals.Receive(PosixSignal.SIGINT);

        Assert.Empty(messages.ToString());
    }

    /// <summary>Opens the pipe for writing, which blocks until the command has opened it for reading.</summary>
    private static async Task<FileStream> OpenWhenReadAsync(string pipe) =>
        await Task.Run(() => new FileStream(pipe, FileMode.Open, FileAccess.Write), TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromMinutes(2), TestContext.Current.CancellationToken);

    private static void Signal(string signal)
    {
        Run("kill", $"-{signal}", Environment.ProcessId.ToString(CultureInfo.InvariantCulture));

        // Signals are not queued: give the handler time to take this one before the next is sent.
        Thread.Sleep(500);
    }

    private static void Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { UseShellExecute = false })!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }
}
