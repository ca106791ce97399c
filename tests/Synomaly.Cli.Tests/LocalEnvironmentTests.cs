using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Synomaly.Cli.Local;
using Synomaly.Contracts;
using Synomaly.Storage.Local;
using Synomaly.Testing;

[assembly: AssemblyFixture(typeof(AzuriteFixture))]

namespace Synomaly.Cli.Tests;

public sealed class LocalEnvironmentTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Provisions_the_resources_and_a_blob_round_trips_through_azurite()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        // Starting against an already running instance is a no-op that returns its connection string; the fixture's
        // instance is provisioned through the same code path and left to the fixture to stop. Each environment is disposed
        // (which leaves an Azurite it found running as it is): one still open holds the state folder, and the next is refused.
        await using var environment = await LocalEnvironment.StartAsync(TestPaths.RepositoryRoot, azurite.ScriptEnvironment, cancellationToken);
        Assert.Equal(azurite.ConnectionString, environment.ConnectionString);

        var container = new BlobServiceClient(environment.ConnectionString).GetBlobContainerClient(BlobLayout.ScansContainer);
        Assert.True(await container.ExistsAsync(cancellationToken));
        var payload = BinaryData.FromBytes([1, 2, 3, 4, 5]);
        await container.UploadBlobAsync("roundtrip/one.bin", payload, cancellationToken);
        var downloaded = await container.GetBlobClient("roundtrip/one.bin").DownloadContentAsync(cancellationToken);
        Assert.Equal(payload.ToArray(), downloaded.Value.Content.ToArray());

        var tables = new TableServiceClient(environment.ConnectionString);
        var names = tables.QueryAsync(t => t.Name == BlobLayout.JobsTable, cancellationToken: cancellationToken);
        Assert.NotNull(await names.FirstOrDefaultAsync(cancellationToken));
    }

    [Fact]
    public async Task Provisions_every_container_queue_and_table_of_the_local_resource_list()
    {
        // The list the Infra tests compare with the Bicep templates: the bulk reprocessing and archive-deletion queues and
        // the bulkruns table included, which the Functions app on Azurite needs too.
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var environment = await LocalEnvironment.StartAsync(TestPaths.RepositoryRoot, azurite.ScriptEnvironment, cancellationToken);

        var blobs = new BlobServiceClient(environment.ConnectionString);
        foreach (var container in LocalStorageResources.Containers)
        {
            Assert.True(await blobs.GetBlobContainerClient(container).ExistsAsync(cancellationToken), $"container {container}");
        }

        var queues = new QueueServiceClient(environment.ConnectionString);
        foreach (var queue in LocalStorageResources.Queues())
        {
            Assert.True(await queues.GetQueueClient(queue).ExistsAsync(cancellationToken), $"queue {queue}");
        }

        var tables = new List<string>();
        await foreach (var table in new TableServiceClient(environment.ConnectionString).QueryAsync(cancellationToken: cancellationToken))
        {
            tables.Add(table.Name);
        }

        Assert.Superset(LocalStorageResources.Tables.ToHashSet(), tables.ToHashSet());
        Assert.Contains(("table", "bulkruns"), environment.Describe());
    }

    [Fact]
    public async Task Disposing_an_environment_that_found_azurite_already_running_leaves_it_running_with_its_data()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        // An Azurite someone else started (`synomaly up --keep`, `scripts/azurite.sh start`): an environment that only found
        // it running must not stop it or delete its data when disposed.
        using var state = new ScratchDirectory("synomaly-azurite-kept");
        var script = AzuriteScript.IsolatedEnvironment(state.Location);
        string connectionString = await AzuriteScript.StartAsync(TestPaths.RepositoryRoot, script, cancellationToken);
        try
        {
            var container = new BlobServiceClient(connectionString).GetBlobContainerClient("kept");
            await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);

            await using (var environment = await LocalEnvironment.StartAsync(TestPaths.RepositoryRoot, script, cancellationToken))
            {
                Assert.Equal(connectionString, environment.ConnectionString);
            }

            Assert.True(await container.ExistsAsync(cancellationToken), "the Azurite started elsewhere was stopped or lost its data");
        }
        finally
        {
            await AzuriteScript.StopAsync(TestPaths.RepositoryRoot, script, CancellationToken.None);
        }
    }
}
