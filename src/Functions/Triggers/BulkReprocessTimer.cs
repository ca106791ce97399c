using Microsoft.Azure.Functions.Worker;
using Synomaly.Functions.Services.Bulk;

namespace Synomaly.Functions.Triggers;

/// <summary>Scheduled reprocessing of the whole archive (CRON from <c>Bulk__Schedule</c>); the work runs in BulkReprocessStep.</summary>
public sealed class BulkReprocessTimer(BulkReprocessService bulk)
{
    [Function(nameof(BulkReprocessTimer))]
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
        return timer.ScheduleStatus is { Next: var next } && next != default
            ? new DateTimeOffset(next.ToUniversalTime(), TimeSpan.Zero)
            : null;
    }
}
