using Microsoft.Extensions.Logging;

namespace Synomaly.Functions.Services.Bulk;

/// <summary>
/// Saves what <c>GET /api/reprocess/{runId}</c> found of a run that is over: its window less the jobs that ended. No step
/// looks at the window once the run is over, so without this its record kept the window of its last step for good (up to
/// <c>Bulk__MaxOutstandingJobs</c>, 500, scans), and every GET read each of those jobs again, one point read apiece, long
/// after they had ended. Saved, each job is read once after it ended, and a run whose jobs all ended costs one read.
/// </summary>
public sealed partial class BulkRunWindowPruner(BulkRunStore runs, ILogger<BulkRunWindowPruner> logger)
{
    /// <summary>
    /// Replaces the window of <paramref name="run"/> (as read, ETag and all) with <paramref name="unfinished"/> when the run
    /// is over and some of its jobs ended. ETag-checked: a step still publishing when its run was closed adds its slice to
    /// the window (<see cref="BulkRunClosedUnderStep"/>), and a list read before that must not be written over it; the
    /// loser leaves the record as it is, for the next GET to prune. An open run is left to its steps, whose checkpoints
    /// are ETag-checked too: a write here would stop the step working it. Best effort: the answer is already known, so a
    /// storage failure (a throttled table among them) is logged and the next GET reads those jobs again.
    /// </summary>
    public async Task PruneIfOverAsync(BulkRun run, IReadOnlyList<string> unfinished, DateTimeOffset? windowMovedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(unfinished);
        if (run.IsOpen || unfinished.Count == run.Outstanding.Count)
        {
            return;
        }

        try
        {
            // UpdatedAt stays: it is the run's last progress, and a look is none.
            await runs.TryReplaceAsync(run, run with { Outstanding = unfinished, WindowMovedAt = windowMovedAt }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (BestEffortStorageFailure.Of(e, cancellationToken) is { } failure)
        {
            LogNotSaved(run.RunId, failure.Status, failure.ErrorCode);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Bulk run {RunId}: saving its window less the jobs that ended failed ({Status} {ErrorCode}; status 0: no answer); the next GET reads them again")]
    private partial void LogNotSaved(string runId, int status, string? errorCode);
}
