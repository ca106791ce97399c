using Microsoft.Azure.Functions.Worker;
using Synomaly.Functions.Services.Bulk;

namespace Synomaly.Functions.Triggers;

/// <summary>
/// A bulk step message that failed its last delivery (queue <c>bulk-reprocess-poison</c>): its run is closed at once as
/// Stopped (<see cref="BulkStepPoisonHandler"/>) instead of looking open until it is reported stalled and, hours later,
/// abandoned by another run.
/// </summary>
public sealed class BulkReprocessStepPoisoned(BulkStepPoisonHandler poisoned)
{
    [Function(nameof(BulkReprocessStepPoisoned))]
    public Task Run(
        [QueueTrigger(StorageQueueBulkStepQueue.PoisonQueueName, Connection = "ScansStorage")] string message,
        CancellationToken cancellationToken) =>
        poisoned.HandleAsync(message, cancellationToken);
}
