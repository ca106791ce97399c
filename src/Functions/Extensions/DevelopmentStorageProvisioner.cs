using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Synomaly.Contracts;
using Synomaly.Functions.Options;
using Synomaly.Functions.Services.Archive;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Extensions;

/// <summary>
/// Creates, at start, the containers, tables and queues the Functions app uses, when <c>ScansStorage</c> is a
/// development connection string (<c>func start</c> on a fresh Azurite, where nothing else creates the jobs table or the
/// ScanJob queue). Registered only for such a connection: in Azure it is identity-based, the templates create every
/// resource and the app's roles do not cover creating them.
/// </summary>
public sealed class DevelopmentStorageProvisioner(
    BlobServiceClient blobs,
    QueueServiceClient queues,
    JobStore jobs,
    BulkRunStore bulkRuns,
    IOptions<IntakeOptions> intake) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var container in new[] { BlobLayout.ScansContainer, BlobLayout.ResultsContainer, BlobLayout.ArchiveContainer, BlobLayout.ModelsContainer })
        {
            await blobs.GetBlobContainerClient(container).CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        var queueName = intake.Value.QueueName;
        foreach (var queue in new[] { queueName, queueName + "-poison", StorageQueueBulkStepQueue.QueueName, ArchiveDeletionHandler.QueueName })
        {
            await queues.GetQueueClient(queue).CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        await jobs.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        await bulkRuns.EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// The storage emulator: <c>UseDevelopmentStorage=true</c>, or a connection string whose endpoints are on this machine
    /// (Azurite on its own ports or accounts). A connection string to a real account is left alone.
    /// </summary>
    public static bool IsDevelopmentStorage(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return false;
        }

        var settings = connectionString.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(setting => setting.Split('=', 2))
            .Where(pair => pair.Length == 2)
            .ToList();
        if (settings.Any(pair => pair[0].Equals("UseDevelopmentStorage", StringComparison.OrdinalIgnoreCase) && pair[1].Equals("true", StringComparison.OrdinalIgnoreCase)))
        {
            return true;
        }

        var endpoints = settings.Where(pair => pair[0].EndsWith("Endpoint", StringComparison.OrdinalIgnoreCase)).ToList();
        return endpoints.Count > 0 && endpoints.All(pair => Uri.TryCreate(pair[1], UriKind.Absolute, out var uri) && uri.IsLoopback);
    }
}
