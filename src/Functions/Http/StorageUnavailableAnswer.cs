using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Synomaly.Storage;

namespace Synomaly.Functions.Http;

/// <summary>
/// How the endpoints answer a storage call that failed for a passing reason (<see cref="TransientStorageFailure"/>): the
/// 503 problem with Retry-After for the caller (<see cref="Problems.StorageUnavailable"/>), and one Warning naming the
/// operation, the status and the error code for the operator (an outage that lasts shows as many of them). Left to the
/// host it was a bare 500 with an empty body, which a portal cannot tell from a bug, and so does not repeat.
/// </summary>
public static partial class StorageUnavailableAnswer
{
    /// <param name="operation">The endpoint's function name, for the log.</param>
    public static ObjectResult StorageUnavailable(this ILogger logger, HttpRequest request, string operation, StorageFailure failure)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(failure);
        LogUnavailable(logger, operation, failure.Status, failure.ErrorCode);
        return Problems.StorageUnavailable(request.HttpContext.Response, failure);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation}: storage failed for a passing reason ({Status} {ErrorCode}; status 0: no answer); answered 503 with Retry-After")]
    private static partial void LogUnavailable(ILogger logger, string operation, int status, string? errorCode);
}
