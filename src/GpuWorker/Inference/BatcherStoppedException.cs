namespace Synomaly.GpuWorker.Inference;

/// <summary>
/// A job's slices met a <see cref="SliceBatcher"/> that was disposed (the worker is shutting down) before they had their
/// outputs. The job is not at fault, and neither is its scan: the handler gives it back as interrupted, as the shutdown
/// deadline does. A cancellation, so that what treats a stopped model call as no fault of the device goes on doing so.
/// </summary>
public sealed class BatcherStoppedException : OperationCanceledException
{
    public BatcherStoppedException()
        : base("The worker is shutting down: the slice batcher stopped before the job's slices had their outputs.")
    {
    }

    public BatcherStoppedException(string message)
        : base(message)
    {
    }

    public BatcherStoppedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
