using System.ComponentModel.DataAnnotations;

namespace Synomaly.Functions.Options;

/// <summary>Settings <c>Bulk__*</c> (docs/SETTINGS.md): scheduled and on-demand reprocessing of the archive.</summary>
public sealed class BulkOptions
{
    public const string Section = "Bulk";

    /// <summary>The timer's CRON; bound by the trigger as <c>%Bulk__Schedule%</c>, kept here so it is validated at start.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Schedule { get; set; } = "0 0 2 * * *";

    /// <summary>Archive blobs listed per page and ScanJobs published per batch; a checkpoint follows every page.</summary>
    [Range(1, 1000)]
    public int BatchSize { get; set; } = 100;

    /// <summary>Throttle: batches are scheduled so that at most this many jobs become visible per minute.</summary>
    [Range(1, 1_000_000)]
    public int MessagesPerMinute { get; set; } = 600;

    /// <summary>
    /// Back-pressure: the most jobs of one run that may be published and not yet final (Succeeded or Failed). A run lists
    /// its next page only when at least a quarter of this (or a whole page) is free, cut to the room left, and otherwise
    /// waits for its jobs to end; so a run never holds more of the ScanJob queue than this ahead of an upload, and the
    /// scan-jobs-backlog alert (100) keeps meaning that the workers do not drain the queue. The default, 64, is the
    /// templates' pool, workerMaxReplicas (4) x Worker__MaxConcurrentJobs (4), four times over: the queue keeps at least
    /// 32 waiting jobs while the run has work, the backlog at which KEDA runs every replica (workerMessagesPerReplica 8 x
    /// 4), so a pool that keeps up never idles for want of jobs. At most 500: the run's record lists the jobs (docs/SETTINGS.md).
    /// </summary>
    [Range(1, 500)]
    public int MaxOutstandingJobs { get; set; } = 64;
}
