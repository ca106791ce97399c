using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace Synomaly.GpuWorker.Hosting;

/// <summary>Liveness and readiness probes for Container Apps.</summary>
public static class GpuWorkerEndpoints
{
    public const string ReadyTag = "ready";

    public static WebApplication MapSynomalyGpuWorker(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        // Liveness: the process answers; it runs no checks, so a slow queue never gets a busy worker restarted.
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        // Readiness: the model is loaded and the queue answers.
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) });
        return app;
    }
}
