using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace Synomaly.GpuWorker.Hosting;

/// <summary>Liveness and readiness probes for Container Apps.</summary>
public static class GpuWorkerEndpoints
{
    public const string ReadyTag = "ready";

    public const string LiveTag = "live";

    public static WebApplication MapSynomalyGpuWorker(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Liveness: the process answers, its model load has not failed for good and its device has not failed batch after
        // batch. It checks no dependency, so a slow queue never gets a busy worker restarted; a failed load or a broken
        // device does, since only a restart loads the model again or gives the process a working CUDA context.
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(LiveTag) });
        // Readiness: the model is loaded and the queue answers.
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) });
        return app;
    }
}
