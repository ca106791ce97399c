using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Synomaly.Functions.Options;
using Synomaly.Storage.Local;

namespace Synomaly.Functions.Extensions;

/// <summary>
/// Creates, at start, the containers, tables and queues of a local environment (<see cref="LocalStorageResources"/>, the
/// list `synomaly up` creates too), when <c>ScansStorage</c> is a
/// development connection string (<c>func start</c> on a fresh Azurite, where nothing else creates the jobs table or the
/// ScanJob queue). Registered only for such a connection: in Azure it is identity-based, the templates create every
/// resource and the app's roles do not cover creating them.
/// </summary>
public sealed class DevelopmentStorageProvisioner(
    BlobServiceClient blobs,
    QueueServiceClient queues,
    TableServiceClient tables,
    IOptions<IntakeOptions> intake) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var container in LocalStorageResources.Containers)
        {
            await blobs.GetBlobContainerClient(container).CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        // The configured ScanJob queue (Intake__QueueName), as `synomaly up` creates the default one.
        foreach (var queue in LocalStorageResources.Queues(intake.Value.QueueName))
        {
            await queues.GetQueueClient(queue).CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        foreach (var table in LocalStorageResources.Tables)
        {
            await tables.GetTableClient(table).CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
        }
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
