using System.Collections.Concurrent;
using Synomaly.Functions.Services.Bulk;

namespace Synomaly.Functions.Tests;

/// <summary>A bulk step queue that only records which runs asked for a step (tests run the steps themselves).</summary>
internal sealed class CapturingSteps : IBulkStepQueue
{
    public ConcurrentQueue<string> Requested { get; } = new();

    /// <summary>Each request with the delay it asked for.</summary>
    public ConcurrentQueue<(string RunId, TimeSpan Delay)> Delayed { get; } = new();

    public Task EnqueueAsync(string runId, TimeSpan delay, CancellationToken cancellationToken = default)
    {
        Requested.Enqueue(runId);
        Delayed.Enqueue((runId, delay));
        return Task.CompletedTask;
    }
}
