using Synomaly.Functions.Services.Jobs;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Services.Intake;

public enum IntakeOutcome
{
    /// <summary>A ScanJob was published and the job is Queued.</summary>
    Queued,

    /// <summary>Nothing was published: the record already covers this upload (see <see cref="IntakeResult.Skipped"/>).</summary>
    Skipped,

    /// <summary>The upload was rejected; the job is Failed with <see cref="IntakeResult.Rejection"/> (when the scan id is valid).</summary>
    Rejected,

    /// <summary>The blob was deleted or replaced before intake read it; the newer version's own event handles it.</summary>
    Superseded,

    /// <summary>
    /// The scan id was erased before: the upload (sent with an upload URL issued before the erasure) was erased unread and
    /// the tombstone stands. Erasure is final for its id; a portal asks for a new upload (a new id) instead.
    /// </summary>
    Erased,
}

/// <summary>What intake did with one uploaded blob. Carries the scan id, never the file name.</summary>
public sealed record IntakeResult(IntakeOutcome Outcome, string? ScanId, JobRecord? Record, IntakeRejectionCode? Rejection = null, SkipReason? Skipped = null);
