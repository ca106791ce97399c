namespace Synomaly.Functions.Services.Bulk;

/// <summary>
/// What the API says of an open run that no step has moved for longer than a working run can go without, or whose window
/// of unfinished jobs has not moved for hours while its steps still look: since when (its last recorded progress, or
/// when its window last moved) and what that usually means.
/// </summary>
public sealed record BulkRunStall(DateTimeOffset LastProgressAt, string Detail)
{
    /// <summary>
    /// How long an open run may go without a recorded step before it is reported stalled. A working step records progress
    /// after every page and slice, and the next step follows at once; one that waits for its jobs
    /// (<see cref="BulkRunWindow"/>) records that it looked, and its next step looks again
    /// <see cref="BulkRunWindow.PollInterval"/> later. A step that fails is retried by the queue a minute later
    /// (host.json), each attempt cut off at the function timeout (5 minutes): 15 minutes without a record is longer than a
    /// step and its retry can take.
    /// </summary>
    public static readonly TimeSpan After = TimeSpan.FromMinutes(15);

    /// <summary>
    /// How long an open run's window may go without moving (<see cref="BulkRun.WindowMovedAt"/>: no page published, none of
    /// its unfinished jobs ended) before it is reported stalled. A job runs at most <c>Worker__LockRenewalMinutes</c> (30
    /// by default) once a worker takes it, and the pool takes several at once, so a working pool ends one of the window's
    /// jobs within minutes, and within an hour or two even behind a backlog that fires <c>scan-jobs-backlog</c>. 6 hours
    /// without one means the jobs are not coming back (their messages purged or deleted) or no worker takes any, still
    /// 40-odd hours before the expiry sweep would fail them (<c>Expiry__MessageTimeToLiveHours</c>, 48, plus the grace).
    /// </summary>
    public static readonly TimeSpan WindowNotDrainingAfter = TimeSpan.FromHours(6);

    /// <summary>The stall of <paramref name="run"/> as of <paramref name="now"/>; null for a closed run or one that moves.</summary>
    public static BulkRunStall? Of(BulkRun run, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (!run.IsOpen)
        {
            return null;
        }

        var lastProgress = run.UpdatedAt ?? run.CreatedAt;
        if (now - lastProgress > After)
        {
            return new BulkRunStall(lastProgress, Explanation);
        }

        // Its steps look every few seconds and record it, so the check above never fires for a run that waits on jobs
        // whose messages were lost.
        return run.Outstanding.Count > 0 && run.WindowMovedAt is { } moved && now - moved > WindowNotDrainingAfter
            ? new BulkRunStall(moved, WindowExplanation)
            : null;
    }

    private static readonly string Explanation = FormattableString.Invariant(
        $"No step has recorded progress for more than {After.TotalMinutes} minutes, longer than a step and its retry take: its step keeps failing (the queue retries it a minute apart, 10 times, then moves it to bulk-reprocess-poison, whose trigger closes the run as Stopped (StepPoisoned) and which the poison-messages alert reports; the step's exceptions say why) or the Functions app runs no steps. A later run (POST /api/reprocess, or the scheduled one) covers its scans and closes it as Abandoned once it has made no progress for {BulkReprocessService.StalledRunAge.TotalHours} hours.");

    private static readonly string WindowExplanation = FormattableString.Invariant(
        $"Its steps still look, but none of its outstanding jobs has ended and no page was published for more than {WindowNotDrainingAfter.TotalHours} hours, while a working pool ends one within minutes (a job runs at most Worker__LockRenewalMinutes): their ScanJob messages are likely gone (the queue purged or deleted) or no worker takes jobs (the scan-jobs-backlog and worker alerts say which). The run waits for them until the expiry sweep fails each job no worker took within Expiry__MessageTimeToLiveHours (plus Expiry__GraceMinutes); then it goes on by itself.");
}
