using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Threading.Channels;
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
    /// <summary>How long the test waits for what must come: a guard against a hang, not a speed target.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

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
        using var captured = new StringWriter();
        var error = TextWriter.Synchronized(captured);
        var train = Task.Run(() => StandardError.Capture(
            ["train", manifest, "--out", output, "--steps", "100000", "--size", "32", "--model-channels", "32", "--channel-mult", "1,2", "--res-blocks", "1", "--attention", "2", "--head-channels", "32", "--batch", "1", "--loss", "mse", "--device", "cpu"], error), TestContext.Current.CancellationToken);
        await using (var writer = await OpenWhenReadAsync(manifest))
        {
            // Signals are not queued: a second SIGTERM sent while the first is still pending merges with it. The second
            // goes once the first has reached the handlers, however long a loaded machine took to deliver it, and the data
            // once train has acknowledged the second: given earlier, train could stop and stop listening before it.
            using (var deliveries = new SignalDeliveries(PosixSignal.SIGTERM))
            {
                await SignalAsync("TERM", deliveries);
                await SignalAsync("TERM", deliveries);
            }

            await WaitForPrintedAsync("Already stopping", captured, error);
            await writer.WriteAsync(System.Text.Encoding.UTF8.GetBytes(slice), TestContext.Current.CancellationToken);
        }

        int code = await train;
        string printed = Read(captured, error);

        Assert.Equal(TrainCommand.CancelledExitCode, code);
        Assert.Single(printed.Split('\n'), line => line.StartsWith("Already stopping", StringComparison.Ordinal));
        // The signals arrive while train reads its data, which it now stops at (nothing to checkpoint yet); a signal in
        // training checkpoints, as TrainCommandTests checks.
        Assert.Contains("cancelled: train stopped while reading the training data; nothing was written.", printed, StringComparison.Ordinal);
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

    /// <summary>Sends <paramref name="signal"/> to this process and waits until its handlers have taken it.</summary>
    private static async Task SignalAsync(string signal, SignalDeliveries deliveries)
    {
        Run("kill", $"-{signal}", Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Assert.True(await deliveries.NextAsync(Patience, TestContext.Current.CancellationToken), $"SIG{signal} did not reach the handlers within {Patience.TotalSeconds:0} s");
    }

    /// <summary>What the command has printed so far: its writes to <paramref name="error"/> hold the same lock.</summary>
    private static string Read(StringWriter captured, TextWriter error)
    {
        lock (error)
        {
            return captured.ToString();
        }
    }

    /// <summary>Waits until the command has printed <paramref name="text"/> on stderr.</summary>
    private static async Task WaitForPrintedAsync(string text, StringWriter captured, TextWriter error)
    {
        var waited = Stopwatch.StartNew();
        while (!Read(captured, error).Contains(text, StringComparison.Ordinal))
        {
            Assert.True(waited.Elapsed < Patience, $"'{text}' was not printed within {Patience.TotalSeconds:0} s; stderr so far:\n{Read(captured, error)}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    private static void Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { UseShellExecute = false })!;
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
    }

    /// <summary>
    /// Counts the deliveries of a signal to this process's handlers. Create it after the command's own registration:
    /// the runtime runs the handlers newest first and stops at one that cancels the signal's default, as the command's
    /// does. This one leaves the default alone, so the command's handler still runs after it.
    /// </summary>
    private sealed class SignalDeliveries : IDisposable
    {
        // A channel rather than a semaphore: nothing to dispose that a late signal's handler could still touch.
        private readonly Channel<PosixSignal> _delivered = Channel.CreateUnbounded<PosixSignal>();
        private readonly PosixSignalRegistration _registration;

        public SignalDeliveries(PosixSignal signal) => _registration = PosixSignalRegistration.Create(signal, context => _delivered.Writer.TryWrite(context.Signal));

        /// <summary>Waits for the next delivery: false when none came within <paramref name="patience"/>.</summary>
        public async Task<bool> NextAsync(TimeSpan patience, CancellationToken cancellationToken)
        {
            try
            {
                await _delivered.Reader.ReadAsync(cancellationToken).AsTask().WaitAsync(patience, cancellationToken);
                return true;
            }
            catch (TimeoutException)
            {
                return false;
            }
        }

        public void Dispose() => _registration.Dispose();
    }
}
