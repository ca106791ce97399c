namespace Synomaly.Functions.Services.Bulk;

/// <summary>What the API shows of a bulk run (not its internal checkpoint token).</summary>
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
    DateTimeOffset CreatedAt,
    DateTimeOffset? UpdatedAt,
    DateTimeOffset? FinishedAt)
{
    public static BulkRunProgress From(BulkRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return new(run.RunId, run.Prefix, run.ModelVersion, run.DryRun, run.RetryErrorCodes, run.Trigger, run.State, run.Pages, run.Listed, run.Published,
            run.Skipped, run.Rejected, run.CreatedAt, run.UpdatedAt, run.FinishedAt);
    }
}
