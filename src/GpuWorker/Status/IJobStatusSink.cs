using Synomaly.Contracts;

namespace Synomaly.GpuWorker.Status;

/// <summary>
/// The job record transitions the worker makes (Table <c>jobs</c>, one entity per scanId and model version). Every
/// transition is checked against the stored state with its ETag by the store; a transition the record does not allow
/// (for example Succeeded to Processing) throws <see cref="JobTransitionRejectedException"/>. Every operation of a job whose
/// record has moved on to another message (a newer upload of the scan) throws <see cref="JobSupersededException"/>.
/// </summary>
public interface IJobStatusSink
{
    /// <summary>
    /// The job's record as the worker needs it, its state and the source blob it names (an archive job's message, schema
    /// 2, names none), in one read; null when no record exists (a job queued by hand).
    /// </summary>
    Task<RecordedJob?> GetRecordAsync(ScanJob job, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts the job for one delivery: moves it to Processing under <paramref name="claim"/>, unless another delivery's
    /// claim holds it that this one may not take over (<see cref="JobClaim.MayTakeOver"/>): then false, and the record is
    /// left as it is. The check and the write are one conditional update, so of two deliveries only one gets true.
    /// </summary>
    Task<bool> TryClaimAsync(ScanJob job, JobClaim claim, CancellationToken cancellationToken = default);

    /// <summary>
    /// Back to Queued after a transient failure of the delivery that holds <paramref name="claim"/>: another delivery will
    /// try again. A job that another delivery's claim holds (this one failed before it could claim the job) is left as it
    /// is: that delivery carries it, and sent back to Queued it would be run twice.
    /// </summary>
    Task MarkRetryingAsync(ScanJob job, JobClaim claim, string errorCode, string errorMessage, CancellationToken cancellationToken = default);

    Task MarkSucceededAsync(ScanJob job, string resultsPrefix, CancellationToken cancellationToken = default);

    /// <summary>
    /// Fails the job for the delivery that holds <paramref name="claim"/> (or may take it over). False, and the record left
    /// as it is, when another delivery's claim holds it (this one failed before it could claim the job): that delivery
    /// carries the job, and failed under it the job would lose its result. A job with no record, or a Queued one, fails.
    /// </summary>
    Task<bool> TryMarkFailedAsync(ScanJob job, JobClaim claim, string errorCode, string errorMessage, CancellationToken cancellationToken = default);
}
