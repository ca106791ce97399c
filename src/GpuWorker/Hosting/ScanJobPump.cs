using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Synomaly.GpuWorker.Inference;
using Synomaly.GpuWorker.Messaging;
using Synomaly.GpuWorker.Options;
using Synomaly.GpuWorker.Processing;

namespace Synomaly.GpuWorker.Hosting;

/// <summary>
/// Receives ScanJobs once the model is ready and hands each to the handler, with Worker__MaxConcurrentJobs jobs in flight
/// so the batcher can fill batches across scans. Shutdown: stop receiving at once, let in-flight jobs finish until
/// Worker__ShutdownDeadlineSeconds, then cancel them (the handler abandons their messages for another replica). While the
/// device counts as broken (<see cref="DeviceHealth"/>) no new message is taken: each would spend an attempt on a failing
/// device while liveness has the replica restarted; a batch that succeeds meanwhile resumes receiving.
/// </summary>
public sealed partial class ScanJobPump(
    IScanJobSource source,
    ScanJobHandler handler,
    InferenceHost model,
    DeviceHealth device,
    IOptions<WorkerOptions> options,
    TimeProvider time,
    ILogger<ScanJobPump> logger) : BackgroundService
{
    private static readonly TimeSpan ReceiveWait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan ReceiveErrorDelay = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan BrokenDevicePause = TimeSpan.FromSeconds(1);
    private readonly CancellationTokenSource deadline = new();
    private readonly WorkerOptions settings = options.Value;

    /// <summary>
    /// Guards <see cref="deadline"/> between a stop and a dispose that can come in either order: a minimal-hosting app
    /// under WebApplicationFactory is stopped by the factory while its own Run, woken by the same stop, disposes the host.
    /// </summary>
    private readonly Lock deadlineGate = new();
    private bool disposed;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Stopping cancels receiving (base), and from now on the in-flight jobs have until the deadline. Once disposed there
        // are no jobs left to give a deadline (the host disposes its services after stopping them).
        lock (deadlineGate)
        {
            if (!disposed)
            {
                deadline.CancelAfter(settings.ShutdownDeadline);
            }
        }

        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        bool first;
        lock (deadlineGate)
        {
            first = !disposed;
            disposed = true;
        }

        if (first)
        {
            // Cancelled before it is disposed: a host that gave up waiting disposes the pump with jobs still in flight,
            // and disposing the source drops the deadline's timer, so those jobs would wait for ever instead of being
            // handed back as interrupted. Outside the gate: the jobs' cancellation callbacks run on this thread. Once only:
            // the host may dispose twice, and a disposed source cannot be cancelled.
            deadline.Cancel();
            deadline.Dispose();
        }

        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Read now, while the source is alive: its Token property throws once it is disposed.
        var jobDeadline = deadline.Token;
        model.StartLoading(stoppingToken);
        try
        {
            await model.WhenReadyAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception)
        {
            // Logged by the host; readiness stays false and no message is taken without a model.
            return;
        }

        LogReceiving(settings.MaxConcurrentJobs);
        var loops = Enumerable.Range(0, settings.MaxConcurrentJobs).Select(_ => ReceiveLoopAsync(stoppingToken, jobDeadline));
        await Task.WhenAll(loops).ConfigureAwait(false);
        LogStopped();
    }

    private async Task ReceiveLoopAsync(CancellationToken stopReceiving, CancellationToken jobDeadline)
    {
        while (!stopReceiving.IsCancellationRequested)
        {
            if (device.HoldsReceiving)
            {
                try
                {
                    await Task.Delay(BrokenDevicePause, time, stopReceiving).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            ScanJobDelivery? delivery;
            try
            {
                delivery = await source.ReceiveAsync(ReceiveWait, stopReceiving).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopReceiving.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogReceiveFailed(e.GetType().Name);
                try
                {
                    await Task.Delay(ReceiveErrorDelay, time, stopReceiving).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                continue;
            }

            if (delivery is not null)
            {
                try
                {
                    await handler.HandleAsync(delivery, jobDeadline).ConfigureAwait(false);
                }
                catch (Exception e)
                {
                    // The handler settles every path itself; anything escaping is a bug, and the lock expiry redelivers.
                    LogHandlerFailed(e.GetType().Name);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Receiving ScanJobs with {Concurrency} jobs in flight")]
    private partial void LogReceiving(int concurrency);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stopped receiving; in-flight jobs are settled")]
    private partial void LogStopped();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Receiving from the queue failed ({ErrorType}); retrying")]
    private partial void LogReceiveFailed(string errorType);

    [LoggerMessage(Level = LogLevel.Error, Message = "The job handler threw ({ErrorType}); the message will be redelivered when its lock expires")]
    private partial void LogHandlerFailed(string errorType);
}
