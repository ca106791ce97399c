using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Synomaly.Functions.Extensions;
using Synomaly.Storage.Messaging;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

[Trait("Category", "Integration")]
public sealed class DevelopmentStorageProvisionerTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task The_functions_app_on_a_fresh_azurite_account_creates_the_tables_and_queues_it_uses_at_start()
    {
        var ct = TestContext.Current.CancellationToken;
        var connectionString = azurite.PrivateAccountConnectionString();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ScansStorage"] = connectionString,
            ["Intake:ModelVersion"] = "v1",
            ["Intake:Transport"] = nameof(ScanJobTransport.StorageQueue),
            ["Intake:BlobTriggerSource"] = "LogsAndContainerScan",
            ["AzureWebJobs.ScanUploaded.Disabled"] = "true",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddSynomalyFunctions(configuration);
        await using var provider = services.BuildServiceProvider();

        foreach (var hosted in provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(ct);
        }

        var tables = new List<string>();
        await foreach (var table in new TableServiceClient(connectionString).QueryAsync(cancellationToken: ct))
        {
            tables.Add(table.Name);
        }

        var queues = new List<string>();
        await foreach (var queue in new QueueServiceClient(connectionString).GetQueuesAsync(cancellationToken: ct))
        {
            queues.Add(queue.Name);
        }

        Assert.Superset(new HashSet<string> { "jobs", "bulkruns" }, tables.ToHashSet());
        Assert.Superset(new HashSet<string> { "scan-jobs", "bulk-reprocess", "archive-deletions" }, queues.ToHashSet());
    }

    [Theory]
    [InlineData("UseDevelopmentStorage=true", true)]
    [InlineData("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1", true)]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=prodscans;AccountKey=a2V5;EndpointSuffix=core.windows.net", false)]
    [InlineData("BlobEndpoint=https://prodscans.blob.core.windows.net;QueueEndpoint=http://127.0.0.1:10001/x", false)]
    [InlineData(null, false)]
    public void Only_the_storage_emulator_counts_as_development_storage(string? connectionString, bool expected) =>
        Assert.Equal(expected, DevelopmentStorageProvisioner.IsDevelopmentStorage(connectionString));
}
