using Microsoft.Extensions.Logging;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Services.Jobs;

/// <summary>
/// The warning every reader of a job listing logs for each record the listing left out as unreadable
/// (<see cref="JobPage.Unreadable"/>). Unlogged, such a record was skipped silently on every pass: a job never expired,
/// never retried, never listed, and nobody told. Scan id, model version and field only: the value of a source URI names the
/// scan's file.
/// </summary>
public static partial class UnreadableJobRecordLog
{
    /// <param name="listing">Which reader passed the records over (the sweep, the list API, the retry of failed uploads).</param>
    public static void LogUnreadable(this ILogger logger, string listing, JobPage page)
    {
        ArgumentNullException.ThrowIfNull(page);
        foreach (var record in page.Unreadable)
        {
            LogSkipped(logger, listing, record.ScanId, record.ModelVersion, record.Field);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Listing}: job record {ScanId} ({ModelVersion}) left out: its stored {Field} cannot be read by this version (written by a newer version, or damaged)")]
    private static partial void LogSkipped(ILogger logger, string listing, string scanId, string modelVersion, string field);
}
