using Synomaly.Storage.Jobs;

namespace Synomaly.GpuWorker.Processing;

/// <summary>
/// A job that can never succeed, found by the worker itself (the source blob is gone or was replaced, the source is not
/// a scans/archive blob of this account, or neither the message nor a job record names it). Dead-lettered at once with <see cref="Reason"/>; never retried.
/// </summary>
public sealed class JobRejectedException(string reason, string message) : Exception(message)
{
    public const string SourceMissing = JobRecord.SourceMissingErrorCode;
    public const string SourceChanged = "SourceChanged";
    public const string SourceNotAllowed = "SourceNotAllowed";

    /// <summary>The message names no source (an archive job, schema 2) and no job record names one either.</summary>
    public const string SourceUnknown = "SourceUnknown";
    public const string WrongDimensions = "WrongDimensions";
    public const string UnknownInferenceProfile = "UnknownInferenceProfile";
    public const string ModelVersionMismatch = "ModelVersionMismatch";

    /// <summary>Stable machine-readable reason (dead-letter reason, job error code, metric tag).</summary>
    public string Reason { get; } = reason;
}
