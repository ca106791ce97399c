using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Synomaly.Cli.Local;
using Synomaly.Contracts;
using Synomaly.Testing;

[assembly: AssemblyFixture(typeof(AzuriteFixture))]

namespace Synomaly.Cli.Tests;

public sealed class LocalEnvironmentTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Provisions_the_resources_and_a_blob_round_trips_through_azurite()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        // Starting against an already running instance is a no-op that returns its connection string; disposing would
        // stop it, so the fixture's instance is provisioned through the same code path and left to the fixture to stop.
        var environment = await LocalEnvironment.StartAsync(TestPaths.RepositoryRoot, azurite.ScriptEnvironment, cancellationToken);
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
}
