using Synomaly.Contracts;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Services.Jobs;

/// <summary>Why a job was not (re)published.</summary>
public enum SkipReason
{
    /// <summary>The same blob version is already published, processing or done for this model version.</summary>
    Duplicate,

    /// <summary>
    /// The scan already succeeded for this model version with the same bytes under another blob version (the file was
    /// uploaded again unchanged): its results answer for it as they are.
    /// </summary>
    SameContentSucceeded,

    /// <summary>The scan's upload was erased: its id is not processed again.</summary>
    Erased,

    /// <summary>The same blob version already failed for this model version (the failure is deterministic).</summary>
    AlreadyFailed,
}

/// <summary>
/// The outcome of reserving a job: either a record in Queued state that is waiting for its message to be published
/// (<see cref="Job"/> set: the message as it is published, an archive job's without its source path), or the reason
/// nothing needs publishing. <see cref="Replaced"/> is the record as it stood before the reservation requeued it (null
/// when the reservation created it or took over an unconfirmed one of the same message), so that a publish that fails
/// can put it back.
/// </summary>
public sealed record Reservation(JobRecord Record, ScanJob? Job, SkipReason? Skipped, JobRecord? Replaced = null)
{
    public bool MustPublish => Job is not null;
}
