using Microsoft.Azure.Functions.Worker;
using Synomaly.Functions.Services.Bulk;

namespace Synomaly.Functions.Triggers;

/// <summary>
/// One bounded step of a bulk run (queue <c>bulk-reprocess</c>): resume from the checkpoint, work until the budget is
/// spent, ask for the next step. A crash or timeout leaves the message to be retried, which resumes at the checkpoint; a
/// missing table is logged once and the message completed (<see cref="BulkReprocessService.ContinueQueuedAsync"/>).
/// </summary>
public sealed class BulkReprocessStep(BulkReprocessService bulk)
{
    [Function(nameof(BulkReprocessStep))]
    public Task Run(
        [QueueTrigger(StorageQueueBulkStepQueue.QueueName, Connection = "ScansStorage")] string runId,
        CancellationToken cancellationToken) =>
        bulk.ContinueQueuedAsync(runId, cancellationToken);
}
