using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Http;

/// <summary>
/// How every endpoint that reads or writes job records answers a job table that does not exist: the 503 problem
/// (<see cref="Problems.JobTableMissing"/>) for the caller, and an Error naming the table for the operator who must
/// restore it. Left to the host it was a bare 500 with an empty body (or, on a status read, a 404 for a scan that was
/// just uploaded), and no log said which table was missing.
/// </summary>
public static partial class JobTableMissingAnswer
{
    /// <param name="operation">The endpoint's function name, for the log.</param>
    public static ObjectResult JobTableMissing(this ILogger logger, HttpRequest request, string operation, JobTableMissingException error)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(error);
        LogMissing(logger, operation, error.TableName);
        return Problems.JobTableMissing(request.HttpContext.Response);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Operation}: the job table '{TableName}' does not exist in the storage account this app is connected to (an incomplete deployment or a deleted table); answered 503 until it is restored")]
    private static partial void LogMissing(ILogger logger, string operation, string tableName);
}
