namespace Synomaly.Functions.Services.Bulk;

/// <summary>
/// Where the next step of a bulk run is asked for. A run is worked in steps of bounded time (a function has a timeout),
/// each resuming from the checkpoint; a step that runs out of time asks for the next one.
/// </summary>
public interface IBulkStepQueue
{
    Task EnqueueAsync(string runId, CancellationToken cancellationToken = default);
}
