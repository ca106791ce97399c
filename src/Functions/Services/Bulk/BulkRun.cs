using Azure;
using Synomaly.Contracts;

namespace Synomaly.Functions.Services.Bulk;

public enum BulkRunState
{
    /// <summary>Created; no page processed yet.</summary>
    Pending = 0,

    /// <summary>At least one page is checkpointed and more remain.</summary>
    Running,

    /// <summary>The whole prefix has been enumerated.</summary>
    Completed,

    /// <summary>
    /// Closed unfinished: no step made progress for <see cref="BulkReprocessService.StalledRunAge"/> (the app ran no
    /// steps for hours, say) when a later run started. Its listing place is cleared; the later run covers its
    /// scans (those done already are skipped). <see cref="BulkRun.StopReason"/> is <see cref="BulkRunStopReason.NoProgress"/>.
    /// </summary>
    Abandoned,

    /// <summary>
    /// Closed unfinished by its own step, which met a fault that no retry mends, or once its step failed every delivery
    /// (<see cref="BulkRun.StopReason"/> says which). Its listing place is cleared; a later run covers its scans.
    /// </summary>
    Stopped,
}

/// <summary>Who started a run.</summary>
public enum BulkRunTrigger
{
    Http = 0,
    Timer,
}

/// <summary>
/// A bulk reprocessing run (Table <c>bulkruns</c>, PartitionKey runId): what it enumerates, where it stopped (the blob
/// listing's continuation token after the last completed page) and its counts.
/// </summary>
public sealed record BulkRun
{
    /// <summary>"r-" and a GUID for HTTP runs, "scheduled-" and the minute for timer runs.</summary>
    public required string RunId { get; init; }

    /// <summary>Whether a caller's run id can name a run: the opaque-id rule of scan ids (letters, digits, '-', at most 64), safe as a table key.</summary>
    public static bool IsValidRunId(string? runId) => BlobLayout.IsValidScanId(runId);

    /// <summary>Blob name prefix inside the archive container ("" = everything).</summary>
    public string Prefix { get; init; } = "";

    public required string ModelName { get; init; }

    public required string ModelVersion { get; init; }

    /// <summary>Count what would be published, write nothing and publish nothing.</summary>
    public bool DryRun { get; init; }

    /// <summary>
    /// Error codes whose jobs, Failed for the listed blob version, every step of the run resubmits (<see cref="BulkRunRetry"/>);
    /// empty (the scheduled run's) skips them all.
    /// </summary>
    public IReadOnlyList<string> RetryErrorCodes { get; init; } = [];

    public BulkRunTrigger Trigger { get; init; }

    public BulkRunState State { get; init; }

    /// <summary>
    /// Whether the run is still open (Pending or Running): steps checkpoint it, a close can still close it and it can be
    /// stalled. Once over (Completed, Abandoned or Stopped) no step writes its checkpoint any more.
    /// </summary>
    public bool IsOpen => State is BulkRunState.Pending or BulkRunState.Running;

    /// <summary>
    /// Continuation token of the archive listing after the last checkpointed page; null before the first page and once the
    /// run is over. It holds the next blob's name (Azure base64-encodes it), so it is kept no longer than the run lasts.
    /// </summary>
    public string? Continuation { get; init; }

    public int Pages { get; init; }

    /// <summary>Blobs seen in the archive.</summary>
    public long Listed { get; init; }

    /// <summary>ScanJobs published (or, in a dry run, that would be).</summary>
    public long Published { get; init; }

    /// <summary>Scans already queued, processing or done for this model version.</summary>
    public long Skipped { get; init; }

    /// <summary>Blobs rejected without publishing (empty or too large).</summary>
    public long Rejected { get; init; }

    /// <summary>
    /// Scan ids of the jobs this run published that were not final (Succeeded or Failed) when it last looked: its window
    /// (<c>Bulk__MaxOutstandingJobs</c>, <see cref="BulkRunWindow"/>). Once the run is over, its last GET is the last to
    /// look (<see cref="BulkRunWindowPruner"/>). Opaque ids, never blob names.
    /// </summary>
    public IReadOnlyList<string> Outstanding { get; init; } = [];

    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>
    /// The throttle: the next batch becomes visible at this time (or now, if later); each batch pushes it on by
    /// batch size / MessagesPerMinute. Stored, so a resumed run keeps the pace instead of bursting.
    /// </summary>
    public DateTimeOffset? NextVisibleAt { get; init; }

    public DateTimeOffset? UpdatedAt { get; init; }

    /// <summary>
    /// When its window last moved: a page was published (the window had room), or a step found fewer of its jobs
    /// unfinished than the step before. A run waiting for its jobs records <see cref="UpdatedAt"/> at every look, so only
    /// this tells a window that drains slowly from one that does not drain at all (<see cref="BulkRunStall"/>). Null before
    /// the first page, and in records written before it was kept until their first step that waits.
    /// </summary>
    public DateTimeOffset? WindowMovedAt { get; init; }

    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Why a run was closed unfinished (<see cref="BulkRunState.Stopped"/> or <see cref="BulkRunState.Abandoned"/>); null otherwise.</summary>
    public BulkRunStopReason? StopReason { get; init; }

    /// <summary>The stop reason in words for the operator (a table's name, the run that took over); never a blob name.</summary>
    public string? StopDetail { get; init; }

    public ETag ETag { get; init; }
}
