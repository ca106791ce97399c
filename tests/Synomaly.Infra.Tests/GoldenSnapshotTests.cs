using System.Text.Json;

namespace Synomaly.Infra.Tests;

/// <summary>The golden snapshots cover every parameter file and describe the whole system.</summary>
public sealed class GoldenSnapshotTests
{
    [Fact]
    public void Every_parameter_file_has_a_golden_snapshot_and_no_snapshot_is_orphaned()
    {
        var snapshots = Directory.GetFiles(InfraFiles.SnapshotDirectory, "*.snapshot.json")
            .Select(f => Path.GetFileName(f)[..^".snapshot.json".Length]).Order();

        Assert.Contains("main.dev", InfraFiles.ParameterFiles);
        Assert.Contains("main.prod", InfraFiles.ParameterFiles);
        Assert.Equal(InfraFiles.ParameterFiles, snapshots);
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Snapshot_predicts_every_part_of_the_system_without_diagnostics(string parameterFile)
    {
        var path = Path.Combine(InfraFiles.SnapshotDirectory, parameterFile + ".snapshot.json");
        using var snapshot = JsonDocument.Parse(File.ReadAllText(path));
        var deployment = PredictedDeployment.Load(parameterFile);
        string[] parts =
        [
            "Microsoft.OperationalInsights/workspaces", "Microsoft.Insights/components", "Microsoft.Web/serverfarms",
            "Microsoft.Web/sites", "Microsoft.EventGrid/systemTopics", "Microsoft.ServiceBus/namespaces",
            "Microsoft.ServiceBus/namespaces/queues", "Microsoft.ContainerRegistry/registries", "Microsoft.App/managedEnvironments",
            "Microsoft.App/containerApps",
        ];

        Assert.Equal(0, snapshot.RootElement.GetProperty("diagnostics").GetArrayLength());
        Assert.All(parts, type => deployment.Single(type));
        Assert.Equal(2, deployment.OfType("Microsoft.Storage/storageAccounts").Count);
        Assert.Equal(4, deployment.OfType("Microsoft.ManagedIdentity/userAssignedIdentities").Count);
    }
}
