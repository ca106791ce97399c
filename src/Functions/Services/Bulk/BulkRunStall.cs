namespace Synomaly.Functions.Services.Bulk;

/// <summary>
/// What the API says of an open run that no step has moved for longer than a working run can go without: since when
/// (its last recorded progress) and what that usually means.
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

    /// <summary>The stall of <paramref name="run"/> as of <paramref name="now"/>; null for a closed run or one that moves.</summary>
    public static BulkRunStall? Of(BulkRun run, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.State is not (BulkRunState.Pending or BulkRunState.Running))
        {
            return null;
        }

        var lastProgress = run.UpdatedAt ?? run.CreatedAt;
        return now - lastProgress > After ? new BulkRunStall(lastProgress, Explanation) : null;
    }

    private static readonly string Explanation = FormattableString.Invariant(
        $"No step has recorded progress for more than {After.TotalMinutes} minutes, longer than a step and its retry take: its step keeps failing (the queue retries it a minute apart, 10 times, then moves it to bulk-reprocess-poison, whose trigger closes the run as Stopped (StepPoisoned) and which the poison-messages alert reports; the step's exceptions say why) or the Functions app runs no steps. A later run (POST /api/reprocess, or the scheduled one) covers its scans and closes it as Abandoned once it has made no progress for {BulkReprocessService.StalledRunAge.TotalHours} hours.");
}
