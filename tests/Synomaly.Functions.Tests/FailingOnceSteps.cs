using Synomaly.Functions.Services.Bulk;

namespace Synomaly.Functions.Tests;

/// <summary>A step queue whose first write fails, as a storage outage would fail it; later writes are recorded.</summary>
internal sealed class FailingOnceSteps : IBulkStepQueue
{
    private int calls;

    public CapturingSteps Recorded { get; } = new();

    public Task EnqueueAsync(string runId, TimeSpan delay, CancellationToken cancellationToken = default) =>
        Interlocked.Increment(ref calls) == 1
            ? throw new Azure.RequestFailedException(503, "The queue service is unavailable.")
            : Recorded.EnqueueAsync(runId, delay, cancellationToken);
}
