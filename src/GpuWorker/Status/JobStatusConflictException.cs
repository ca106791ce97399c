namespace Synomaly.GpuWorker.Status;

/// <summary>Other writers kept moving the job record's ETag; the write is worth retrying (a transient fault).</summary>
public sealed class JobStatusConflictException(string message) : Exception(message);
