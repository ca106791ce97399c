using Microsoft.Azure.Functions.Worker;
using Synomaly.Functions.Services.Bulk;

namespace Synomaly.Functions.Triggers;

/// <summary>Scheduled reprocessing of the whole archive (CRON from <c>Bulk__Schedule</c>); the work runs in BulkReprocessStep.</summary>
public sealed class BulkReprocessTimer(BulkReprocessService bulk)
{
    [Function(nameof(BulkReprocessTimer))]
    public Task Run([TimerTrigger("%Bulk__Schedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        bulk.StartScheduledAsync(cancellationToken);
}
