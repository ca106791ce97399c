namespace Synomaly.Storage.Jobs;

/// <summary>One page of job records and the opaque token of the next page (null on the last page).</summary>
public sealed record JobPage(IReadOnlyList<JobRecord> Jobs, string? ContinuationToken);
