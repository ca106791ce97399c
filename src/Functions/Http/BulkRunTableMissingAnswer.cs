using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Synomaly.Functions.Services.Bulk;

namespace Synomaly.Functions.Http;

/// <summary>
/// How the bulk reprocessing endpoints answer a bulk run table that does not exist: the 503 problem
/// (<see cref="Problems.BulkRunTableMissing"/>) for the caller, and an Error naming the table for the operator. Left to
/// the host it was a bare 500 (or, on a run's read, a 404 for a run that may well exist), and no log named the table.
/// </summary>
public static partial class BulkRunTableMissingAnswer
{
    /// <param name="operation">The endpoint's function name, for the log.</param>
    public static ObjectResult BulkRunTableMissing(this ILogger logger, HttpRequest request, string operation, BulkRunTableMissingException error)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(error);
        LogMissing(logger, operation, error.TableName);
        return Problems.BulkRunTableMissing(request.HttpContext.Response);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Operation}: the bulk run table '{TableName}' does not exist in the storage account this app is connected to (an incomplete deployment or a deleted table); answered 503 until it is restored")]
    private static partial void LogMissing(ILogger logger, string operation, string tableName);
}
