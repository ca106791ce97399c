using Microsoft.Azure.Functions.Worker;
using Synomaly.Functions.Services.Bulk;

namespace Synomaly.Functions.Triggers;

/// <summary>Scheduled reprocessing of the whole archive (CRON from <c>Bulk__Schedule</c>); the work runs in BulkReprocessStep.</summary>
public sealed class BulkReprocessTimer(BulkReprocessService bulk)
{
    /// <remarks>
    /// Retried on failure (storage briefly unavailable): the retry names the same run and queues its first step if the
    /// failed tick did not, so the night's run is not lost to one failed write.
    /// </remarks>
    [Function(nameof(BulkReprocessTimer))]
    [FixedDelayRetry(5, "00:01:00")]
    public Task Run([TimerTrigger("%Bulk__Schedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        bulk.StartScheduledAsync(Occurrence(timer), cancellationToken);

    /// <summary>
    /// The occurrence a tick stands for. The host hands over the schedule status as it was before this tick, whose Next is
    /// the occurrence being run, on time or past due (a tick at 02:07 after a restart still stands for 02:00). Its time is
    /// the host's local time (UTC in Azure), which the worker process shares.
    /// </summary>
    public static DateTimeOffset? Occurrence(TimerInfo timer)
    {
        ArgumentNullException.ThrowIfNull(timer);
        return Occurrence(timer.ScheduleStatus?.Next);
    }

    /// <summary>The occurrence from a schedule status's Next (shared with the local WebJobs host, whose TimerInfo is another type).</summary>
    public static DateTimeOffset? Occurrence(DateTime? next) =>
        next is { } at && at != default ? new DateTimeOffset(at.ToUniversalTime(), TimeSpan.Zero) : null;
}
