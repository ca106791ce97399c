namespace Synomaly.Functions.Services.Bulk;

/// <summary>
/// Where the next step of a bulk run is asked for. A run is worked in steps of bounded time (a function has a timeout),
/// each resuming from the checkpoint; a step that runs out of time asks for the next one.
/// </summary>
public interface IBulkStepQueue
{
    /// <summary>Asks for a step of <paramref name="runId"/>.</summary>
    /// <param name="delay">
    /// How long the request stays out of sight before a step may take it: zero to work the run at once; a run waiting for
    /// its jobs to end asks to be looked at again later (<see cref="BulkRunWindow.PollInterval"/>) rather than keep a
    /// function waiting.
    /// </param>
    Task EnqueueAsync(string runId, TimeSpan delay, CancellationToken cancellationToken = default);
}
