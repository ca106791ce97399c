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
}
