using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Services.Jobs;

/// <summary>
/// A job was reserved but its ScanJob could not be published (messaging down, throttled, timed out). <see cref="Record"/>
/// is the job record as the failed submission left it: put back to its earlier Failed state where the submission had
/// requeued a Failed job of the same blob version (<see cref="RestoredFailure"/>), otherwise the unconfirmed reservation,
/// which the upload's next event or the upload reconciliation takes over.
/// </summary>
public sealed class JobPublishFailedException : Exception
{
    public JobPublishFailedException(JobRecord record, bool restoredFailure, Exception innerException)
        : this(record, restoredFailure, innerException, ServiceErrorCause.Of(innerException))
    {
    }

    /// <param name="cause">The inner error named once, for the message and <see cref="Cause"/> alike.</param>
    private JobPublishFailedException(JobRecord record, bool restoredFailure, Exception innerException, string cause)
        : base($"The ScanJob of scan {record?.ScanId} could not be published ({cause}).", innerException)
    {
        ArgumentNullException.ThrowIfNull(record);
        Record = record;
        RestoredFailure = restoredFailure;
        Cause = cause;
    }

    public JobRecord Record { get; }

    /// <summary>The record is Failed again with the reason it had before the submission.</summary>
    public bool RestoredFailure { get; }

    /// <summary>The publisher's error by type and code only (<see cref="ServiceErrorCause"/>).</summary>
    public string Cause { get; }
}
