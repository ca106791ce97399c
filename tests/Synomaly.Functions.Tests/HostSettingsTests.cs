using System.Text.Json;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>The Functions host's own settings (host.json at the repository root) that other parts of the system rely on.</summary>
public sealed class HostSettingsTests
{
    /// <summary>
    /// The log search alerts (infra/modules/alerts.bicep) count requests and log lines; adaptive sampling would drop some of
    /// them, and one dropped "gave up" or "expired" line is a missed alert.
    /// </summary>
    [Fact]
    public void Application_insights_never_samples_the_requests_traces_and_exceptions_the_alerts_count()
    {
        using var host = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "host.json")));
        var sampling = host.RootElement.GetProperty("logging").GetProperty("applicationInsights").GetProperty("samplingSettings");
        var excluded = sampling.GetProperty("excludedTypes").GetString()!.Split(';', StringSplitOptions.TrimEntries);

        Assert.Subset(excluded.ToHashSet(), new HashSet<string> { "Request", "Trace", "Exception" });
    }
}
