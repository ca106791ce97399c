using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Logs;
using Synomaly.GpuWorker.Hosting;

namespace Synomaly.GpuWorker.Tests;

/// <summary>What the worker's OpenTelemetry logging hands the exporter (Application Insights where it is configured).</summary>
public sealed class WorkerLogExportTests
{
    [Fact]
    public void A_line_logged_inside_a_jobs_scope_is_exported_with_the_scan_id_of_the_scope()
    {
        var exported = new ScopeRecordingProcessor();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddWorkerTelemetry(new ConfigurationBuilder().Build());
        services.AddOpenTelemetry().WithLogging(logging => logging.AddProcessor(exported));

        using (var provider = services.BuildServiceProvider())
        {
            var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger("Synomaly.GpuWorker.Processing.ScanJobHandler");
            using (logger.BeginScope(new Dictionary<string, object> { ["ScanId"] = "scan-in-scope" }))
            {
                // A line that does not name the scan itself, as a best-effort settlement step's.
                logger.LogWarning("A best-effort settlement step failed ({ErrorType})", "RequestFailedException");
            }
        }

        var record = Assert.Single(exported.Records);
        Assert.Contains(new KeyValuePair<string, object?>("ScanId", "scan-in-scope"), record.Scopes);
    }

    private sealed class ScopeRecordingProcessor : BaseProcessor<LogRecord>
    {
        private readonly List<(string? Category, IReadOnlyList<KeyValuePair<string, object?>> Scopes)> records = [];

        public IReadOnlyList<(string? Category, IReadOnlyList<KeyValuePair<string, object?>> Scopes)> Records
        {
            get
            {
                lock (records)
                {
                    return [.. records];
                }
            }
        }

        // Log records are pooled: what the test reads is copied out before the record is handed back.
        public override void OnEnd(LogRecord data)
        {
            var scopes = new List<KeyValuePair<string, object?>>();
            data.ForEachScope(
                (scope, list) =>
                {
                    foreach (var item in scope)
                    {
                        list.Add(item);
                    }
                },
                scopes);
            lock (records)
            {
                records.Add((data.CategoryName, scopes));
            }
        }
    }
}
