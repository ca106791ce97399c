using Microsoft.Extensions.Diagnostics.HealthChecks;
using Synomaly.GpuWorker.Inference;

namespace Synomaly.GpuWorker.Health;

/// <summary>
/// Liveness fails once the model load has failed for good: the process never tries again, and a failing readiness probe
/// does not restart a Container Apps replica, so without this a corrupt or missing model would leave the replica unready
/// for ever. A failing liveness probe has the platform restart it (with its backoff), which loads the model afresh.
/// Healthy while the model loads and once it is loaded, however busy or slow its dependencies are.
/// </summary>
public sealed class ModelLoadLivenessCheck(InferenceHost model) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(model.LoadError is { } error
            ? HealthCheckResult.Unhealthy($"The model failed to load ({error.GetType().Name}); restart the replica to load it again.")
            : HealthCheckResult.Healthy("The model is loaded or loading."));
}
