using Azure;
using Azure.Messaging.ServiceBus;

namespace Synomaly.Functions.Services.Jobs;

/// <summary>
/// Names a publisher's error by type and code only, the one rule for the log line and the 503's detail alike: the message
/// of a storage or messaging error can quote the request, and an upload's blob name is the portal's file name. Service
/// Bus's code is its reason (ServiceTimeout, QuotaExceeded, MessagingEntityNotFound...), a queue's its status and error
/// code: by type alone, a timeout that passes read as a missing queue or a refused role.
/// </summary>
internal static class PublishErrorCause
{
    public static string Of(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error switch
        {
            RequestFailedException { ErrorCode: { Length: > 0 } code } failed => $"{failed.GetType().Name} {failed.Status} {code}",
            RequestFailedException failed => $"{failed.GetType().Name} {failed.Status}",
            ServiceBusException failed => $"{failed.GetType().Name} {failed.Reason}",
            _ => error.GetType().Name,
        };
    }
}
