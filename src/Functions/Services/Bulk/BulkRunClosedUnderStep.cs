namespace Synomaly.Functions.Services.Bulk;

/// <summary>
/// Writes what a step did into its run when the run was closed while the step worked it: the poison trigger closed it
/// (<see cref="BulkStepPoisonHandler"/>, a duplicate step message's last delivery failed), another step found the job
/// table missing (<see cref="BulkRunStopper"/>), or a later run abandoned it. The step's own writes are ETag-checked
/// against the run it read, so they lose to the close; but the slices of the page it was publishing go out all the same
/// (their records are reserved for them), and left at that, <c>GET /api/reprocess/{runId}</c> never counted them:
/// neither in <c>outstanding</c> (the closed run's window) nor in the page's counts. An open run that moved is left to the
/// step's checkpoint, which finds it moved and stops (a duplicate step: the step that moved it counts the page).
/// </summary>
internal static class BulkRunClosedUnderStep
{
    /// <summary>How often a write into the closed run that loses to another writer (a second late step) is tried.</summary>
    private const int MaxAttempts = 3;

    /// <summary>
    /// Adds the scans of a slice about to be published to the window of the run, if it is over; the run as stored (an
    /// open one unchanged), null when it is gone.
    /// </summary>
    public static Task<BulkRun?> JoinWindowAsync(BulkRunStore runs, string runId, IReadOnlyCollection<string> publishing) =>
        ChangeIfOverAsync(runs, runId, closed => closed with { Outstanding = BulkRunWindow.With(closed.Outstanding, publishing) });

    /// <summary>
    /// Counts a page whose checkpoint lost to a close into the closed run: its outstanding jobs always, and its counts
    /// (pages, listed, published, skipped, rejected) when no other step checkpointed the run since this one read it
    /// (<paramref name="read"/>): otherwise the page is likely one that other step counted already. The close's state,
    /// reason and cleared listing place stay as they are. Returns the run as stored, null when it is gone.
    /// </summary>
    /// <param name="read">The run as the step had it before the page.</param>
    /// <param name="checkpoint">The checkpoint the step meant to write after the page.</param>
    public static Task<BulkRun?> CountPageAsync(BulkRunStore runs, BulkRun read, BulkRun checkpoint) =>
        ChangeIfOverAsync(runs, read.RunId, closed =>
        {
            var outstanding = BulkRunWindow.With(closed.Outstanding, checkpoint.Outstanding);
            return closed.Pages != read.Pages
                ? closed with { Outstanding = outstanding }
                : closed with
                {
                    Pages = checkpoint.Pages,
                    Listed = checkpoint.Listed,
                    Published = checkpoint.Published,
                    Skipped = checkpoint.Skipped,
                    Rejected = checkpoint.Rejected,
                    Outstanding = outstanding,
                };
        });

    /// <summary>Whether a run is over (Completed, Abandoned or Stopped): no step writes its checkpoint any more.</summary>
    public static bool IsOver(BulkRun run) => run.State is not (BulkRunState.Pending or BulkRunState.Running);

    private static async Task<BulkRun?> ChangeIfOverAsync(BulkRunStore runs, string runId, Func<BulkRun, BulkRun> change)
    {
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var run = await runs.GetAsync(runId, CancellationToken.None).ConfigureAwait(false);
            if (run is null || !IsOver(run))
            {
                return run;
            }

            if (await runs.TryReplaceAsync(run, change(run), CancellationToken.None).ConfigureAwait(false) is { } stored)
            {
                return stored;
            }
        }

        // Another late writer kept changing it: the run stays as that writer left it.
        return await runs.GetAsync(runId, CancellationToken.None).ConfigureAwait(false);
    }
}
