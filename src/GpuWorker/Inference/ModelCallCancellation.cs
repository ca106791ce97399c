namespace Synomaly.GpuWorker.Inference;

/// <summary>
/// The token of one batch's model calls: cancelled once no job waits for their outputs any more (every job whose slices
/// the batch holds was cancelled, by the shutdown deadline or a lost lock, or failed by another of its slices) or the
/// batcher stops. The engine checks it before every stage, so such a call ends within a stage instead of running on (on
/// a CPU for minutes) with the device, the host's shutdown (the batcher's disposal awaits the call) and, past the
/// platform's grace period, the exported shutdown logs held up behind it. A batch of which one job still waits runs on:
/// that job needs its outputs.
/// </summary>
internal sealed class ModelCallCancellation : IDisposable
{
    private readonly CancellationTokenSource source;
    private readonly Lock gate = new();
    private bool disposed;

    /// <param name="jobs">The tasks of the jobs whose slices the batch holds; each completes when its job has its outputs or has ended.</param>
    /// <param name="stop">The batcher's own stop.</param>
    public ModelCallCancellation(IEnumerable<Task> jobs, CancellationToken stop)
    {
        source = CancellationTokenSource.CreateLinkedTokenSource(stop);
        _ = Task.WhenAll(jobs).ContinueWith(
            static (ended, state) =>
            {
                // Their errors are their handlers' to observe; read here only so that this task's own is not left unobserved.
                _ = ended.Exception;
                ((ModelCallCancellation)state!).Cancel();
            },
            this,
            CancellationToken.None,
            TaskContinuationOptions.None,
            TaskScheduler.Default);
    }

    public CancellationToken Token => source.Token;

    public void Dispose()
    {
        lock (gate)
        {
            disposed = true;
            source.Dispose();
        }
    }

    /// <summary>Cancels, unless the batch is over: its jobs end after it (they get their outputs then), and late is harmless.</summary>
    private void Cancel()
    {
        lock (gate)
        {
            if (!disposed)
            {
                source.Cancel();
            }
        }
    }
}
