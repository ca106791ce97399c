using Synomaly.Contracts;
using Synomaly.Storage.Local;
using Synomaly.Storage.Messaging;

namespace Synomaly.Infra.Tests;

/// <summary>
/// A local environment (`synomaly up`, `func start` on Azurite) creates what a deployment's scan-data account holds, so that
/// code which runs locally does not meet a missing container, queue or table only once deployed, or the reverse.
/// </summary>
public sealed class LocalStorageResourcesTests
{
    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void The_local_containers_and_tables_are_those_of_the_scan_data_account(string parameterFile)
    {
        var deployment = PredictedDeployment.Load(parameterFile);

        Assert.Equal(Names(deployment, "Microsoft.Storage/storageAccounts/blobServices/containers"), LocalStorageResources.Containers.Order(StringComparer.Ordinal));
        Assert.Equal(Names(deployment, "Microsoft.Storage/storageAccounts/tableServices/tables"), LocalStorageResources.Tables.Order(StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void The_local_queues_are_those_of_the_scan_data_account_and_the_scan_job_queue_that_stands_in_for_service_bus(string parameterFile)
    {
        var deployment = PredictedDeployment.Load(parameterFile);

        Assert.Equal(Names(deployment, "Microsoft.Storage/storageAccounts/queueServices/queues"), LocalStorageResources.TemplateQueues.Order(StringComparer.Ordinal));
        Assert.Equal(
            [BlobLayout.ScanJobsQueue, PoisonQueue.NameOf(BlobLayout.ScanJobsQueue)],
            LocalStorageResources.Queues().Except(LocalStorageResources.TemplateQueues));
    }

    /// <summary>The names of the resources of <paramref name="type"/> on the scan-data account ("stscan..."), in order.</summary>
    private static IEnumerable<string> Names(PredictedDeployment deployment, string type) => deployment.OfType(type)
        .Where(r => r.Name.StartsWith("stscan", StringComparison.Ordinal))
        .Select(r => r.Name.Split('/')[^1])
        .Order(StringComparer.Ordinal);
}
