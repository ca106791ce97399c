using Microsoft.Extensions.Diagnostics.HealthChecks;
using Synomaly.GpuWorker.Inference;

namespace Synomaly.GpuWorker.Health;

/// <summary>Ready only once the model is loaded and warmed up on its device.</summary>
public sealed class ModelReadyHealthCheck(InferenceHost model) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(model.IsReady
            ? HealthCheckResult.Healthy("Model loaded.")
            : model.LoadError is { } error
                ? HealthCheckResult.Unhealthy($"The model failed to load: {error.GetType().Name}.")
                : HealthCheckResult.Unhealthy("The model is still loading."));
}
