using Azure.Messaging.ServiceBus;
using Azure.Storage.Queues;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Azure.Storage.Blobs;
using Synomaly.Storage.Jobs;
using Synomaly.Storage.Keys;
using Synomaly.Storage.Messaging;

namespace Synomaly.Storage.Hosting;

/// <summary>Registers the Azure clients once (Microsoft.Extensions.Azure) and the job store and publisher over them.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>The scan-data storage account: containers scans/results/archive/models, table jobs, the local queue.</summary>
    public const string ScansStorageConnection = "ScansStorage";

    /// <summary>The Service Bus namespace of the scan-jobs queue.</summary>
    public const string MessagingConnection = "Messaging";

    /// <summary>The prefix of the Azure SDK's log categories (Azure.Core, Azure.Storage.Blobs, ...).</summary>
    public const string AzureSdkLogCategory = "Azure";

    /// <summary>
    /// Blob, Queue and Table service clients for <c>ScansStorage</c> (identity-based in Azure, connection string locally)
    /// and the <see cref="JobStore"/>. The clients forward the Azure SDK's logs, which at Information name every request's
    /// blob path (an archive scan's path is its owner's file name), so the SDK's categories are cut to Warning here, for
    /// every host that registers them (Functions app, worker, local trigger host).
    /// </summary>
    public static IServiceCollection AddSynomalyStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddLogging(logging => logging.AddFilter(AzureSdkLogCategory, LogLevel.Warning));
        var storage = AzureConnection.Read(configuration, ScansStorageConnection);
        services.AddAzureClients(clients =>
        {
            if (storage.ConnectionString is { } connectionString)
            {
                clients.AddBlobServiceClient(connectionString);
                clients.AddQueueServiceClient(connectionString);
                clients.AddTableServiceClient(connectionString);
            }
            else
            {
                var credential = storage.CreateCredential();
                clients.AddBlobServiceClient(storage.RequireUri("blobServiceUri")).WithCredential(credential);
                clients.AddQueueServiceClient(storage.RequireUri("queueServiceUri")).WithCredential(credential);
                clients.AddTableServiceClient(storage.RequireUri("tableServiceUri")).WithCredential(credential);
            }
        });
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<JobStore>(provider => new JobStore(
            provider.GetRequiredService<Azure.Data.Tables.TableServiceClient>(),
            provider.GetRequiredService<TimeProvider>()));
        return services;
    }

    /// <summary>
    /// The <see cref="ArchiveScanIdKeyStore"/> over the <c>ScansStorage</c> blob client (call <see cref="AddSynomalyStorage"/>
    /// too). <paramref name="mayCreate"/>: the Functions app, which computes archive scan ids first, creates the key on
    /// first use; the GPU worker only reads it, and its role on the key's container lets it do no more.
    /// </summary>
    public static IServiceCollection AddArchiveScanIdKey(this IServiceCollection services, bool mayCreate)
    {
        services.TryAddSingleton(provider => new ArchiveScanIdKeyStore(
            provider.GetRequiredService<BlobServiceClient>(), mayCreate, provider.GetRequiredService<ILogger<ArchiveScanIdKeyStore>>()));
        return services;
    }

    /// <summary>
    /// The <see cref="IScanJobPublisher"/> for <paramref name="transport"/> on queue (or Service Bus entity)
    /// <paramref name="queueName"/>. Service Bus needs the <c>Messaging</c> connection; the Storage Queue transport uses
    /// <c>ScansStorage</c> (call <see cref="AddSynomalyStorage"/> too).
    /// </summary>
    /// <param name="messageTimeToLive">
    /// The Storage Queue transport's message time to live (Service Bus takes its queue's); null keeps messages until received.
    /// </param>
    public static IServiceCollection AddScanJobPublisher(this IServiceCollection services, IConfiguration configuration, ScanJobTransport transport, string queueName, TimeSpan? messageTimeToLive = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queueName);
        switch (transport)
        {
            case ScanJobTransport.ServiceBus:
                var messaging = AzureConnection.Read(configuration, MessagingConnection);
                services.AddAzureClients(clients =>
                {
                    if (messaging.ConnectionString is { } connectionString)
                    {
                        clients.AddServiceBusClient(connectionString);
                    }
                    else
                    {
                        clients.AddServiceBusClientWithNamespace(messaging.Require("fullyQualifiedNamespace")).WithCredential(messaging.CreateCredential());
                    }

                    clients.AddClient<ServiceBusSender, ServiceBusClientOptions>((_, _, provider) =>
                        provider.GetRequiredService<ServiceBusClient>().CreateSender(queueName));
                });
                services.TryAddSingleton<IScanJobPublisher>(provider => new ServiceBusScanJobPublisher(
                    provider.GetRequiredService<ServiceBusSender>(),
                    provider.GetService<TimeProvider>()));
                break;
            case ScanJobTransport.StorageQueue:
                services.TryAddSingleton<IScanJobPublisher>(provider => new StorageQueueScanJobPublisher(
                    provider.GetRequiredService<QueueServiceClient>().GetQueueClient(queueName),
                    provider.GetService<TimeProvider>(),
                    messageTimeToLive));
                break;
            case ScanJobTransport.InMemory:
                services.TryAddSingleton<InMemoryScanJobPublisher>();
                services.TryAddSingleton<IScanJobPublisher>(provider => provider.GetRequiredService<InMemoryScanJobPublisher>());
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(transport), transport, "Unknown ScanJob transport.");
        }

        return services;
    }
}
