using Microsoft.Azure.Functions.Worker;
using Synomaly.Functions.Services.Bulk;

namespace Synomaly.Functions.Triggers;

/// <summary>Scheduled reprocessing of the whole archive (CRON from <c>Bulk__Schedule</c>); the work runs in BulkReprocessStep.</summary>
public sealed class BulkReprocessTimer(BulkReprocessService bulk, TimeProvider clock)
{
    [Function(nameof(BulkReprocessTimer))]
    public Task Run([TimerTrigger("%Bulk__Schedule%")] TimerInfo timer, CancellationToken cancellationToken)
    {
        // The occurrence, to the minute, names the run: a repeated or past-due tick for it resumes the same run.
        var now = clock.GetUtcNow();
        return bulk.StartScheduledAsync(new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero), cancellationToken);
    }
}
