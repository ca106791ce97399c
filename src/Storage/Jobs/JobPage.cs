namespace Synomaly.Storage.Jobs;

/// <summary>One page of job records and the opaque token of the next page (null on the last page).</summary>
public sealed record JobPage(IReadOnlyList<JobRecord> Jobs, string? ContinuationToken)
{
    /// <summary>
    /// The page's records that could not be read, left out of <see cref="Jobs"/>: one such record must not fail the page,
    /// or a sweep over the table would stop at it on every run.
    /// </summary>
    public IReadOnlyList<InvalidJobRecordException> Unreadable { get; init; } = [];
}
