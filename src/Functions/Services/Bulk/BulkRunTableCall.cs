using Azure;
using Azure.Data.Tables;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Services.Bulk;

/// <summary>
/// A call on the bulk run table (runs, and the sweeps' saved places), with a missing table told as such: thrown, the
/// SDK's 404 looked like any other; handed back by a read "if exists", it looked like a run never started or a sweep that
/// saved no place (<see cref="TableMissing"/>).
/// </summary>
internal static class BulkRunTableCall
{
    /// <exception cref="BulkRunTableMissingException">The table does not exist.</exception>
    public static async Task<T> Guard<T>(string tableName, Task<T> call) where T : class
    {
        T answer;
        try
        {
            answer = await call.ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (TableMissing.Is(e))
        {
            throw new BulkRunTableMissingException(tableName, e);
        }

        var raw = answer as Response ?? (answer as NullableResponse<TableEntity>)?.GetRawResponse();
        return raw is not null && TableMissing.Is(raw)
            ? throw new BulkRunTableMissingException(tableName, new RequestFailedException(raw))
            : answer;
    }
}
