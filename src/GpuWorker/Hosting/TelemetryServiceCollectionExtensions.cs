using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
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
            .WithMetrics(metrics => metrics.AddMeter(WorkerTelemetry.Name))
            .WithLogging(configureBuilder: null, configureOptions: ExportScopes);
        if (!string.IsNullOrWhiteSpace(configuration[ConnectionStringSetting]))
        {
            telemetry.UseAzureMonitorExporter(options => ConfigureExporter(options, configuration));
        }

        return services;
    }

    /// <summary>
    /// Log records carry their scopes: the handler opens one per job with its scan id and correlation id, so that lines
    /// which do not name the scan themselves (a best-effort settlement step, the Azure SDK's warnings) can still be found
    /// by scan in Application Insights. Scopes hold opaque ids only: no scope in the worker carries a file or blob name.
    /// </summary>
    internal static void ExportScopes(OpenTelemetryLoggerOptions options) => options.IncludeScopes = true;

    /// <summary>
    /// The exporter's settings. Nothing is sampled: the exporter's defaults keep 5 traces a second and drop the logs of
    /// unsampled traces, and every handler log is written inside its delivery's span, so under load the lines the
    /// <c>jobs-gave-up</c> and <c>worker-faults</c> alerts search for would be dropped. A job is a few spans and lines,
    /// so keeping all of them costs little.
    /// </summary>
    internal static void ConfigureExporter(AzureMonitorExporterOptions options, IConfiguration configuration)
    {
        options.ConnectionString = configuration[ConnectionStringSetting];
        options.TracesPerSecond = null;
        options.SamplingRatio = 1.0F;
        options.EnableTraceBasedLogsSampler = false;
        // Application Insights with local auth disabled takes the app's user-assigned identity.
        if (configuration["AZURE_CLIENT_ID"] is { Length: > 0 } clientId)
        {
            options.Credential = new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(clientId));
        }
    }
}
