using Microsoft.Extensions.Logging;

namespace Synomaly.Functions.Services.Bulk;

/// <summary>What <see cref="BulkRunStopper.StopAsync"/> did.</summary>
public enum BulkRunStopOutcome
{
    /// <summary>The run was open (Pending or Running) and is now Stopped.</summary>
    Stopped,

    /// <summary>The run was already over (Completed, Abandoned or Stopped) and is left as it is.</summary>
    AlreadyOver,

    /// <summary>No run has this id.</summary>
    NotFound,

    /// <summary>
    /// The bulk run table failed, or every attempt lost to another writer of the run (both logged); the run stays open and
    /// is reported stalled (<see cref="BulkRunStall"/>) once nothing moves it.
    /// </summary>
    Failed,
}

/// <summary>
/// Closes an open run as <see cref="BulkRunState.Stopped"/> with its reason, clearing its listing place (a blob name):
/// for a step that met a fault no retry mends, and for a step message the queue gave up on.
/// </summary>
public sealed partial class BulkRunStopper(BulkRunStore runs, TimeProvider clock, ILogger<BulkRunStopper> logger)
{
    /// <summary>How often a close read again after losing to another writer is tried before it gives up.</summary>
    private const int MaxAttempts = 3;

    /// <summary>
    /// ETag-checked and read again on a conflict (a duplicate step's checkpoint); a run found closed or completed is left
    /// as it is, so closing twice is closing once. Best effort: where the bulk run table fails, or another writer (a step
    /// still checkpointing the run) changes it under every attempt, that is logged and the run stays open.
    /// </summary>
    public async Task<BulkRunStopOutcome> StopAsync(string runId, BulkRunStopReason reason, string detail, CancellationToken cancellationToken)
    {
        try
        {
            for (var attempt = 0; attempt < MaxAttempts; attempt++)
            {
                var run = await runs.GetAsync(runId, cancellationToken).ConfigureAwait(false);
                if (run is null)
                {
                    return BulkRunStopOutcome.NotFound;
                }

                if (!run.IsOpen)
                {
                    return BulkRunStopOutcome.AlreadyOver;
                }

                var now = clock.GetUtcNow();
                var stopped = run with { State = BulkRunState.Stopped, Continuation = null, StopReason = reason, StopDetail = detail, UpdatedAt = now, FinishedAt = now };
                if (await runs.TryReplaceAsync(run, stopped, cancellationToken).ConfigureAwait(false) is not null)
                {
                    return BulkRunStopOutcome.Stopped;
                }
            }

            // Callers log only what they asked for: without this line a run left open this way left no trace.
            LogStillContended(runId, MaxAttempts);
        }
        catch (Exception e) when (BestEffortStorageFailure.Of(e, cancellationToken) is { } failure)
        {
            LogStopFailed(runId, failure.Status, failure.ErrorCode);
        }

        return BulkRunStopOutcome.Failed;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bulk run {RunId}: closing it as Stopped lost to another writer of the run {Attempts} times in a row (a step still checkpointing it); it stays open, and GET /api/reprocess reports it stalled once it has made no progress for 15 minutes")]
    private partial void LogStillContended(string runId, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Bulk run {RunId}: closing it as Stopped failed ({Status} {ErrorCode}; status 0: no answer); it stays open, and GET /api/reprocess reports it stalled once it has made no progress for 15 minutes")]
    private partial void LogStopFailed(string runId, int status, string? errorCode);
}
