using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Synomaly.GpuWorker.Hosting;

namespace Synomaly.GpuWorker.Tests;

/// <summary>
/// The alerts search the worker's log lines in Application Insights, so the exporter must not drop any: its defaults
/// sample traces by rate and drop the logs of unsampled traces, and the handler logs inside its delivery's span.
/// </summary>
public sealed class TelemetryExporterTests
{
    [Fact]
    public void The_exporter_keeps_every_trace_and_every_log_line()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [TelemetryServiceCollectionExtensions.ConnectionStringSetting] = "InstrumentationKey=00000000-0000-0000-0000-000000000000" })
            .Build();
        var options = new AzureMonitorExporterOptions();

        TelemetryServiceCollectionExtensions.ConfigureExporter(options, configuration);

        Assert.False(options.EnableTraceBasedLogsSampler);
        Assert.Null(options.TracesPerSecond);
        Assert.Equal(1.0F, options.SamplingRatio);
        Assert.Equal("InstrumentationKey=00000000-0000-0000-0000-000000000000", options.ConnectionString);
    }
}
