namespace Synomaly.Infra.Tests;

/// <summary>Every service that emits resource logs sends them, with metrics, to the Log Analytics workspace.</summary>
public sealed class DiagnosticSettingsTests
{
    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Every_service_sends_all_logs_to_the_workspace(string parameterFile)
    {
        var deployment = PredictedDeployment.Load(parameterFile);
        var workspace = deployment.Single("Microsoft.OperationalInsights/workspaces");
        var settings = deployment.OfType("Microsoft.Insights/diagnosticSettings");
        var scopes = settings.Select(s => s.Id[..s.Id.IndexOf("/providers/Microsoft.Insights/diagnosticSettings/", StringComparison.Ordinal)]).ToList();

        Assert.All(settings, setting =>
        {
            Assert.Equal(workspace.Id, setting.String("properties.workspaceId"));
            Assert.Contains(setting.At("properties.logs").EnumerateArray(), log =>
                log.GetProperty("categoryGroup").GetString() == "allLogs" && log.GetProperty("enabled").GetBoolean());
        });
        string[] monitored =
        [
            "Microsoft.ServiceBus/namespaces", "Microsoft.ContainerRegistry/registries", "Microsoft.EventGrid/systemTopics",
            "Microsoft.Web/sites", "Microsoft.App/managedEnvironments",
        ];
        Assert.All(monitored, type => Assert.Contains(scopes, scope => scope == deployment.Single(type).Id));
        Assert.Contains(scopes, s => s.Contains("/stscan", StringComparison.Ordinal) && s.EndsWith("/blobServices/default", StringComparison.Ordinal));
        Assert.Contains(scopes, s => s.Contains("/stscan", StringComparison.Ordinal) && s.EndsWith("/tableServices/default", StringComparison.Ordinal));
        Assert.Contains(scopes, s => s.Contains("/stfunc", StringComparison.Ordinal) && s.EndsWith("/blobServices/default", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Each_parameter_file_chooses_explicitly_whether_scan_blob_reads_are_logged(string parameterFile)
    {
        // Reads of archive/ name their owner's file (docs/DEPLOY.md, "Archive file names outside the data account"), and
        // they are also the audit trail of who read patient data: a deliberate choice per environment, not a default.
        var parameters = File.ReadAllText(Path.Combine(InfraFiles.InfraDirectory, parameterFile + ".bicepparam"));

        Assert.Matches(@"(?m)^param scanBlobReadLogs = (true|false)\s*$", parameters);
    }

    [Fact]
    public void Without_blob_read_logs_the_scan_account_still_logs_every_write_and_delete()
    {
        const string parameters = """
            using 'main.bicep'
            param environmentName = 'test'
            param modelVersion = 'v1'
            param firstDeployment = true
            param scanBlobReadLogs = false
            """;
        var result = TemplatePrediction.Run("main.readlogs", new Dictionary<string, string?>(), parameters);
        Assert.True(result.Deployment is not null, result.Output);
        var setting = Assert.Single(result.Deployment.OfType("Microsoft.Insights/diagnosticSettings"), s =>
            s.Id.Contains("/stscan", StringComparison.Ordinal) && s.Id.Contains("/blobServices/default/", StringComparison.Ordinal));
        var logs = setting.At("properties.logs").EnumerateArray().ToList();

        Assert.Equal(["StorageDelete", "StorageWrite"], logs.Where(l => l.GetProperty("enabled").GetBoolean())
            .Select(l => l.TryGetProperty("category", out var c) ? c.GetString() : l.GetProperty("categoryGroup").GetString()).Order(StringComparer.Ordinal));
        Assert.Contains(setting.At("properties.metrics").EnumerateArray(), m => m.GetProperty("enabled").GetBoolean());
    }
}
