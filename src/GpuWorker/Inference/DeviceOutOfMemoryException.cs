namespace Synomaly.GpuWorker.Inference;

/// <summary>
/// The device ran out of memory even for a model call of one slice: what a batch's jobs get once halving the batch
/// (<see cref="OutOfMemoryBatchSplitter"/>) could not make it fit. Retried on another delivery (the memory may be free by
/// then, or another replica takes the job); libtorch's error is kept inside.
/// </summary>
public sealed class DeviceOutOfMemoryException : Exception
{
    public DeviceOutOfMemoryException(string message) : base(message) { }

    public DeviceOutOfMemoryException(string message, Exception inner) : base(message, inner) { }
}
