using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Azure.WebJobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Synomaly.Contracts;
using Synomaly.Functions.Extensions;
using Synomaly.Functions.Options;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Storage.Jobs;
using Synomaly.Storage.Messaging;

namespace Synomaly.DevHost;

/// <summary>
/// Starts the local trigger host for the CLI's local pipeline and for tests. Configuration uses the app-setting names of
/// docs/SETTINGS.md ("ScansStorage" = the Azurite connection string, "Intake:ModelVersion", ...); the transport is always
/// the Storage Queue (there is no Service Bus locally), and AzureWebJobsStorage (blob receipts, timer locks) defaults to
/// ScansStorage.
/// </summary>
public static class DevHostRunner
{
    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled, then stops the host gracefully.</summary>
    public static async Task RunAsync(IReadOnlyDictionary<string, string?> configuration, CancellationToken cancellationToken)
    {
        using var host = await StartAsync(configuration, cancellationToken).ConfigureAwait(false);
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Asked to stop.
        }

        await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>Provisions the local resources and starts the host; the caller stops and disposes it.</summary>
    public static async Task<IHost> StartAsync(IReadOnlyDictionary<string, string?> configuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var settings = new Dictionary<string, string?>(configuration);
        settings[$"{IntakeOptions.Section}:Transport"] = nameof(ScanJobTransport.StorageQueue);
        settings.TryAdd("AzureWebJobsStorage", settings.GetValueOrDefault("ScansStorage"));
        settings.TryAdd("Bulk:Schedule", new BulkOptions().Schedule);
        settings.TryAdd($"{IntakeOptions.Section}:ReconcileSchedule", new IntakeOptions().ReconcileSchedule);
        settings.TryAdd($"{JobExpiryOptions.Section}:Schedule", new JobExpiryOptions().Schedule);

        var host = new HostBuilder()
            .ConfigureAppConfiguration(c => c.AddInMemoryCollection(settings))
            .ConfigureLogging(l => l.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information)
                // The SDK logs every storage request at Information: thousands of lines per minute of polling.
                .AddFilter("Azure.Core", LogLevel.Warning))
            .ConfigureServices((context, services) =>
            {
                // Registered before the WebJobs defaults, which only add theirs when none is there.
                services.AddSingleton<INameResolver, ConfigurationNameResolver>();
                services.AddSingleton<ITypeLocator, FixedTypeLocator>();
                services.AddSynomalyServices(context.Configuration, validateTriggerSource: false);
            })
            .ConfigureWebJobs(webJobs =>
            {
                webJobs.AddAzureStorageCoreServices();
                webJobs.AddAzureStorageBlobs();
                webJobs.AddAzureStorageQueues();
                webJobs.AddTimers();
            })
            .Build();

        await ProvisionAsync(host.Services, cancellationToken).ConfigureAwait(false);
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        return host;
    }

    /// <summary>The containers, queues and tables the triggers and services use (what infra/ creates in Azure).</summary>
    private static async Task ProvisionAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var blobs = services.GetRequiredService<BlobServiceClient>();
        foreach (var container in new[] { BlobLayout.ScansContainer, BlobLayout.ResultsContainer, BlobLayout.ArchiveContainer, BlobLayout.ModelsContainer })
        {
            await blobs.GetBlobContainerClient(container).CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        var queues = services.GetRequiredService<QueueServiceClient>();
        var queueName = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<IntakeOptions>>().Value.QueueName;
        foreach (var queue in new[] { queueName, queueName + "-poison", StorageQueueBulkStepQueue.QueueName })
        {
            await queues.GetQueueClient(queue).CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        await services.GetRequiredService<JobStore>().EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        await services.GetRequiredService<BulkRunStore>().EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
    }
}
