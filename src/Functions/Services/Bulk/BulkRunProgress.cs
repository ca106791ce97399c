namespace Synomaly.Functions.Services.Bulk;

/// <summary>
/// What the API shows of a bulk run (<see cref="Outstanding"/>: its published jobs not yet final, as looked up when asked,
/// <see cref="BulkReprocessService.GetProgressAsync"/>) (not its internal checkpoint token): its counts, why it was closed unfinished
/// (<see cref="Stop"/>), and whether it is stalled now (<see cref="Stalled"/>).
/// </summary>
public sealed record BulkRunProgress(
    string RunId,
    string Prefix,
    string ModelVersion,
    bool DryRun,
    IReadOnlyList<string> RetryErrorCodes,
    BulkRunTrigger Trigger,
    BulkRunState State,
    int Pages,
    long Listed,
    long Published,
    long Skipped,
    long Rejected,
    int Outstanding,
    DateTimeOffset CreatedAt,
    DateTimeOffset? UpdatedAt,
    DateTimeOffset? FinishedAt,
    BulkRunStop? Stop,
    BulkRunStall? Stalled)
{
    /// <summary>The run as shown at <paramref name="now"/> (which decides whether it is stalled).</summary>
    public static BulkRunProgress From(BulkRun run, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(run);
        var stop = run.StopReason is { } reason ? new BulkRunStop(reason, run.StopDetail ?? "") : null;
        return new(run.RunId, run.Prefix, run.ModelVersion, run.DryRun, run.RetryErrorCodes, run.Trigger, run.State, run.Pages, run.Listed, run.Published,
            run.Skipped, run.Rejected, run.Outstanding.Count, run.CreatedAt, run.UpdatedAt, run.FinishedAt, stop, BulkRunStall.Of(run, now));
    }
}
