using Azure;
using Azure.Messaging.ServiceBus;

namespace Synomaly.Functions.Services;

/// <summary>
/// Names a storage or messaging error by type and code only, the one rule for log lines and problem details alike (a failed
/// publish, an upload URL that could not be signed): the message of such an error can quote the request, and an upload's
/// blob name is the portal's file name. Service
/// Bus's code is its reason (ServiceTimeout, QuotaExceeded, MessagingEntityNotFound...), a queue's its status and error
/// code: by type alone, a timeout that passes read as a missing queue or a refused role.
/// </summary>
internal static class ServiceErrorCause
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
