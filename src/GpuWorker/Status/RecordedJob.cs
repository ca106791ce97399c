using Synomaly.Contracts;

namespace Synomaly.GpuWorker.Status;

/// <summary>
/// What the worker reads from a job record before it works on the job: the state (a job already finished is only settled),
/// the source blob (an archive job's message leaves the owner's file name out, so only the record names it) and the error
/// code of a failed one (the reason its message is dead-lettered with when an earlier delivery could not dead-letter it).
/// </summary>
public sealed record RecordedJob(JobState State, Uri? SourceBlobUri, string? ErrorCode = null);
