using Synomaly.Contracts;

namespace Synomaly.GpuWorker.Status;

/// <summary>
/// What the worker reads from a job record before it works on the job: the state (a job already finished is only settled)
/// and the source blob (an archive job's message leaves the owner's file name out, so only the record names it).
/// </summary>
public sealed record RecordedJob(JobState State, Uri? SourceBlobUri);
