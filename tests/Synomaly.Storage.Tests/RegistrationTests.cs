using Azure.Data.Tables;
using Azure.Messaging.ServiceBus;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Synomaly.Storage.Hosting;
using Synomaly.Storage.Jobs;
using Synomaly.Storage.Messaging;

namespace Synomaly.Storage.Tests;

public sealed class RegistrationTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings, ScanJobTransport transport)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddSynomalyStorage(configuration);
        services.AddScanJobPublisher(configuration, transport, "scan-jobs");
        return services.BuildServiceProvider();
    }

    [Fact]
    public async Task Identity_based_settings_give_clients_on_the_configured_endpoints_and_a_service_bus_publisher()
    {
        await using var provider = Build(new()
        {
            ["ScansStorage:blobServiceUri"] = "https://stscans.blob.core.windows.net",
            ["ScansStorage:queueServiceUri"] = "https://stscans.queue.core.windows.net",
            ["ScansStorage:tableServiceUri"] = "https://stscans.table.core.windows.net",
            ["ScansStorage:credential"] = "managedidentity",
            ["ScansStorage:clientId"] = "00000000-0000-0000-0000-000000000001",
            ["Messaging:fullyQualifiedNamespace"] = "sb-synomaly.servicebus.windows.net",
            ["Messaging:credential"] = "managedidentity",
            ["Messaging:clientId"] = "00000000-0000-0000-0000-000000000001",
        }, ScanJobTransport.ServiceBus);

        Assert.Equal("stscans", provider.GetRequiredService<BlobServiceClient>().AccountName);
        Assert.Equal("stscans", provider.GetRequiredService<QueueServiceClient>().AccountName);
        Assert.Equal("stscans", provider.GetRequiredService<TableServiceClient>().AccountName);
        Assert.Equal("sb-synomaly.servicebus.windows.net", provider.GetRequiredService<ServiceBusClient>().FullyQualifiedNamespace);
        Assert.Equal("scan-jobs", provider.GetRequiredService<ServiceBusSender>().EntityPath);
        Assert.IsType<ServiceBusScanJobPublisher>(provider.GetRequiredService<IScanJobPublisher>());
        Assert.NotNull(provider.GetRequiredService<JobStore>());
    }

    [Fact]
    public void A_connection_string_gives_azurite_clients_and_the_storage_queue_publisher()
    {
        using var provider = Build(new() { ["ScansStorage"] = "UseDevelopmentStorage=true" }, ScanJobTransport.StorageQueue);
        Assert.Equal("devstoreaccount1", provider.GetRequiredService<BlobServiceClient>().AccountName);
        Assert.IsType<StorageQueueScanJobPublisher>(provider.GetRequiredService<IScanJobPublisher>());
    }

    [Fact]
    public void A_missing_endpoint_names_the_setting_to_add()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Build(new() { ["ScansStorage:credential"] = "managedidentity" }, ScanJobTransport.InMemory));
        Assert.Contains("ScansStorage__blobServiceUri", error.Message, StringComparison.Ordinal);
    }
}
