using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Synomaly.GpuWorker.Telemetry;

namespace Synomaly.GpuWorker.Hosting;

/// <summary>OpenTelemetry for the worker's own source and meter; exported to Azure Monitor only where it is configured.</summary>
internal static class TelemetryServiceCollectionExtensions
{
    public const string ConnectionStringSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    public static IServiceCollection AddWorkerTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var telemetry = services.AddOpenTelemetry()
            .WithTracing(tracing => tracing.AddSource(WorkerTelemetry.Name))
            .WithMetrics(metrics => metrics.AddMeter(WorkerTelemetry.Name));
        if (!string.IsNullOrWhiteSpace(configuration[ConnectionStringSetting]))
        {
            telemetry.UseAzureMonitorExporter(options =>
            {
                options.ConnectionString = configuration[ConnectionStringSetting];
                // Application Insights with local auth disabled takes the app's user-assigned identity.
                if (configuration["AZURE_CLIENT_ID"] is { Length: > 0 } clientId)
                {
                    options.Credential = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
                }
            });
        }

        return services;
    }
}
