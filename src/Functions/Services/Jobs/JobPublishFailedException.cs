using Azure;
using Azure.Messaging.ServiceBus;
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
        : base($"The ScanJob of scan {record?.ScanId} could not be published ({CauseOf(innerException)}).", innerException)
    {
        ArgumentNullException.ThrowIfNull(record);
        Record = record;
        RestoredFailure = restoredFailure;
        Cause = CauseOf(innerException);
    }

    public JobRecord Record { get; }

    /// <summary>The record is Failed again with the reason it had before the submission.</summary>
    public bool RestoredFailure { get; }

    /// <summary>
    /// The publisher's error by type and code only: the message of a storage or messaging error can quote the request,
    /// and an upload's blob name is the portal's file name. Service Bus's code is its reason (ServiceTimeout, ServiceBusy,
    /// MessagingEntityNotFound...): by type alone, a timeout that passes read as a missing queue or a refused role.
    /// </summary>
    public string Cause { get; }

    private static string CauseOf(Exception e) => e switch
    {
        RequestFailedException { ErrorCode: { Length: > 0 } code } failed => $"{failed.GetType().Name} {failed.Status} {code}",
        RequestFailedException failed => $"{failed.GetType().Name} {failed.Status}",
        ServiceBusException failed => $"{failed.GetType().Name} {failed.Reason}",
        _ => e.GetType().Name,
    };
}
