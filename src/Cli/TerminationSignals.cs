using System.Globalization;
using System.Runtime.InteropServices;

namespace Synomaly.Cli;

/// <summary>
/// What Ctrl-C (SIGINT), SIGTERM and a hang-up (SIGHUP: a closed terminal, a dropped SSH session) do to a running command. The first cancels the command's token and starts a grace
/// period in which it may finish cleanly (train checkpoints, demo and soak stop the processes they started); once that is
/// spent <see cref="ForcedExit"/> completes with 130, 143 or 129 so that the runner can return without waiting any longer.
/// Every later signal is acknowledged on stderr and otherwise ignored: the first is already being honoured.
/// </summary>
/// <remarks>
/// This replaces System.CommandLine's own termination handler, which completes its forced-exit result once per signal:
/// when the action runs synchronously (train does its whole run before returning a task) the first signal completes it at
/// once and a second one throws InvalidOperationException on the signal thread, which kills the process with a stack trace.
/// </remarks>
public sealed class TerminationSignals : IDisposable
{
    private const int InterruptExitCode = 130; // 128 + SIGINT, as a shell reports it
    private const int TerminateExitCode = 143; // 128 + SIGTERM
    private const int HangUpExitCode = 129; // 128 + SIGHUP

    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _cancellation = new();
    private readonly TaskCompletionSource<int> _forcedExit = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeSpan _gracePeriod;
    private readonly TextWriter _messages;
    private readonly List<PosixSignalRegistration> _registrations = [];
    private bool _received;
    private bool _disposed;

    private TerminationSignals(TimeSpan gracePeriod, TextWriter messages)
    {
        _gracePeriod = gracePeriod;
        _messages = messages;
    }

    /// <summary>Cancelled by the first signal.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>Completes with 130 (SIGINT), 143 (SIGTERM) or 129 (SIGHUP) when the command has not finished within the grace period of the first signal.</summary>
    public Task<int> ForcedExit => _forcedExit.Task;

    /// <summary>
    /// Takes over SIGINT, SIGTERM and SIGHUP for this process until disposed; later messages go to <paramref name="messages"/>.
    /// SIGHUP's default would end the process at once, leaving what demo and up started (Azurite runs in a session of its
    /// own, which the hang-up does not reach) running with nobody to stop it.
    /// </summary>
    public static TerminationSignals Listen(TimeSpan gracePeriod, TextWriter messages)
    {
        var signals = Unregistered(gracePeriod, messages);
        signals._registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, signals.OnSignal));
        signals._registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, signals.OnSignal));
        signals._registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGHUP, signals.OnSignal));
        return signals;
    }

    /// <summary>The same handling without taking over the process's signals: feed it with <see cref="Receive"/>.</summary>
    public static TerminationSignals Unregistered(TimeSpan gracePeriod, TextWriter messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return new TerminationSignals(gracePeriod, messages);
    }

    /// <summary>What one SIGINT, SIGTERM or SIGHUP does; safe to call any number of times, from any thread, even after disposal.</summary>
    public void Receive(PosixSignal signal)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                // A signal thread that started just before the command ended: nothing is left to stop.
                return;
            }

            if (_received)
            {
                _messages.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"Already stopping: the command is finishing cleanly and exits within {_gracePeriod.TotalSeconds:0} s of the first signal."));
                return;
            }

            _received = true;
            int exitCode = signal == PosixSignal.SIGINT ? InterruptExitCode : signal == PosixSignal.SIGHUP ? HangUpExitCode : TerminateExitCode;
            _ = Task.Delay(_gracePeriod).ContinueWith(_ => _forcedExit.TrySetResult(exitCode), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
            try
            {
                _cancellation.Cancel();
            }
            catch (AggregateException e)
            {
                // A failing cancellation callback belongs to the command, which reports its own failure; thrown here, on the
                // signal thread, it would end the process with a stack trace instead.
                _messages.WriteLine($"A cancellation callback failed: {e.InnerExceptions[0].Message}");
            }
        }
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        lock (_gate)
        {
            _disposed = true;
            _cancellation.Dispose();
        }
    }

    private void OnSignal(PosixSignalContext context)
    {
        // Handled here: the runtime's default for these signals would end the process before the command could stop.
        context.Cancel = true;
        Receive(context.Signal);
    }
}
