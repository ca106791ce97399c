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
}
