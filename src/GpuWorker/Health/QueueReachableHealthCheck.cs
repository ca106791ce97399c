using Microsoft.Extensions.Diagnostics.HealthChecks;
using Synomaly.GpuWorker.Messaging;

namespace Synomaly.GpuWorker.Health;

/// <summary>Ready only while the queue answers a probe (no message is taken).</summary>
public sealed class QueueReachableHealthCheck(IScanJobSource source) : IHealthCheck
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            await source.ProbeAsync(timeout.Token).ConfigureAwait(false);
            return HealthCheckResult.Healthy("Queue reachable.");
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"The queue did not answer: {e.GetType().Name}.");
        }
    }
}
