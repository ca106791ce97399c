namespace Synomaly.Functions.Services.Bulk;

/// <summary>
/// A run was recorded but its first step could not be put on the step queue, so nothing will work it yet. Starting the
/// same run id again (a retried or repeated timer tick) queues the step then; an HTTP caller starts a new run.
/// </summary>
public sealed class BulkRunNotStartedException(string runId, Exception inner)
    : Exception($"Bulk run '{runId}' is recorded, but its first step could not be queued on '{StorageQueueBulkStepQueue.QueueName}' ({inner.GetType().Name}); start it again.", inner)
{
    public string RunId { get; } = runId;
}
