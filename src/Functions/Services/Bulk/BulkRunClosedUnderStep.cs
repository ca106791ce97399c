namespace Synomaly.Functions.Services.Bulk;

/// <summary>
/// Writes what a step did into its run when the run was over before the step's write: closed while the step worked it
/// (the poison trigger closed it, <see cref="BulkStepPoisonHandler"/>, a duplicate step message's last delivery failed;
/// another step found the job table missing, <see cref="BulkRunStopper"/>; or a later run abandoned it), or completed by
/// a duplicate step. The step's own writes are ETag-checked against the run it read, so they lose to the other writer;
/// but the slices of the page it was publishing go out all the same (their records are reserved for them), and left at
/// that, <c>GET /api/reprocess/{runId}</c> never counted them: neither in <c>outstanding</c> (the run's window) nor in
/// the page's counts. A run completed by a duplicate step gets them too: the jobs did go out, and the window, a set of
/// scan ids, holds each once even where that step joined them already. An open run that moved is left to the step's checkpoint, which finds
/// it moved and stops (a duplicate step: the step that moved it counts the page).
/// </summary>
internal static class BulkRunClosedUnderStep
{
    /// <summary>
    /// How often a write into the closed run that loses to another late writer (a second late step) is tried. A loss to a
    /// GET's prune of the window is not counted (<see cref="ChangeIfOverAsync"/>).
    /// </summary>
    private const int MaxAttempts = 3;

    /// <summary>
    /// Adds the scans of a slice about to be published to the window of the run, if it is over (not
    /// <see cref="BulkRun.IsOpen"/>); the run as stored (an open one unchanged), null when it is gone.
    /// </summary>
    public static Task<BulkRun?> JoinWindowAsync(BulkRunStore runs, string runId, IReadOnlyCollection<string> publishing) =>
        ChangeIfOverAsync(runs, runId, closed => closed with { Outstanding = BulkRunWindow.With(closed.Outstanding, publishing) });

    /// <summary>
    /// Counts a page whose checkpoint lost to a close (or a duplicate step's completion) into the run: its outstanding
    /// jobs always, and its counts (pages, listed, published, skipped, rejected) when the run still has the page count
    /// the step read (<paramref name="read"/>). A close keeps the counts, and another step's checkpoint adds a page, so a
    /// changed count means that other step counted a page, likely this one. It is a heuristic: the record keeps no mark
    /// of who checkpointed it (a close clears the listing place too), and a duplicate step whose listing started over
    /// from the top counts from zero again, so its count can come back to the one read. Then this page is counted twice
    /// in the counts; <c>outstanding</c>, a set of scan ids, never holds a job twice. The close's state, reason and
    /// cleared listing place stay as they are. Returns the run as stored, null when it is gone.
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

    /// <summary>
    /// The change written into the run if it is over, re-read on every lost race. A GET of the finished run saves its
    /// window less the jobs that ended (<see cref="BulkRunWindowPruner"/>, ETag-checked too), and any number of clients
    /// may poll it: a loss to that, which the re-read tells by a smaller window, is not counted against the attempts, or
    /// the slice that goes out all the same would be left out of the window for good. Each prune removes a job that
    /// ended, so there are never more of them than jobs in the window.
    /// </summary>
    private static async Task<BulkRun?> ChangeIfOverAsync(BulkRunStore runs, string runId, Func<BulkRun, BulkRun> change)
    {
        var run = await runs.GetAsync(runId, CancellationToken.None).ConfigureAwait(false);
        var lostToWriters = 0;
        while (run is not null && !run.IsOpen)
        {
            if (await runs.TryReplaceAsync(run, change(run), CancellationToken.None).ConfigureAwait(false) is { } stored)
            {
                return stored;
            }

            var current = await runs.GetAsync(runId, CancellationToken.None).ConfigureAwait(false);
            var pruned = current is not null && current.Outstanding.Count < run.Outstanding.Count;
            if (!pruned && ++lostToWriters == MaxAttempts)
            {
                // Another late writer kept changing it: the run stays as that writer left it.
                return current;
            }

            run = current;
        }

        return run;
    }
}
