using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Http;

/// <summary>
/// How the endpoints answer a table of this app that does not exist: the 503 problem for the caller
/// (<see cref="Problems.JobTableMissing"/>, <see cref="Problems.BulkRunTableMissing"/>), and an Error naming the table for
/// the operator who must restore it. Left to the host it was a bare 500 with an empty body (or, on a status or run read, a
/// 404 for a scan or run that may well exist), and no log said which table was missing.
/// </summary>
public static partial class TableMissingAnswer
{
    /// <param name="operation">The endpoint's function name, for the log.</param>
    public static ObjectResult JobTableMissing(this ILogger logger, HttpRequest request, string operation, JobTableMissingException error)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(error);
        LogMissing(logger, operation, "job", error.TableName);
        return Problems.JobTableMissing(request.HttpContext.Response);
    }

    /// <param name="operation">The endpoint's function name, for the log.</param>
    public static ObjectResult BulkRunTableMissing(this ILogger logger, HttpRequest request, string operation, BulkRunTableMissingException error)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(error);
        LogMissing(logger, operation, "bulk run", error.TableName);
        return Problems.BulkRunTableMissing(request.HttpContext.Response);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Operation}: the {Store} table '{TableName}' does not exist in the storage account this app is connected to (an incomplete deployment or a deleted table); answered 503 until it is restored")]
    private static partial void LogMissing(ILogger logger, string operation, string store, string tableName);
}
