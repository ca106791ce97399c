using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging;
using Synomaly.Contracts;
using Synomaly.Storage.Keys;
using Synomaly.Testing;

namespace Synomaly.Storage.Tests;

/// <summary>
/// The archive scan id key on a storage account of each test's own (the key's blob name is fixed per account): created
/// once, by whichever first user wins, read by every other process, never logged.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ArchiveScanIdKeyStoreTests(AzuriteFixture azurite)
{
    private const string Name = "archive/2019/SMITH_JOHN_19700101.dcm";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Concurrent_first_users_end_with_one_key_and_every_process_computes_the_same_ids()
    {
        var blobs = await AccountAsync();
        // Eight Functions instances starting at once, each its own process (its own store and cache).
        var stores = Enumerable.Range(0, 8).Select(_ => Store(blobs, mayCreate: true)).ToList();

        var ids = await Task.WhenAll(stores.Select(store => store.ScanIdOfAsync(Name, Ct)));
        // The worker reads the key the Functions app created, and so computes the same ids.
        var workerId = await Store(blobs, mayCreate: false).ScanIdOfAsync(Name, Ct);

        Assert.Single(ids.Append(workerId).Distinct());
        var stored = (await blobs.GetBlobContainerClient(ArchiveScanIdKeyStore.ContainerName).GetBlobClient(ArchiveScanIdKeyStore.BlobName).DownloadContentAsync(Ct)).Value.Content;
        Assert.Equal(BlobLayout.ArchiveScanId(Name, ArchiveScanIdKey.FromBytes(stored.ToArray())), workerId);
        Assert.True(BlobLayout.IsArchiveScanId(workerId));
    }

    [Fact]
    public async Task Two_deployments_have_two_keys_so_one_name_has_two_ids()
    {
        var first = await Store(await AccountAsync(), mayCreate: true).ScanIdOfAsync(Name, Ct);
        var second = await Store(await AccountAsync(), mayCreate: true).ScanIdOfAsync(Name, Ct);

        Assert.NotEqual(first, second);
    }

    [Fact]
    public async Task The_worker_never_creates_a_key_and_is_told_it_is_missing()
    {
        var blobs = await AccountAsync();

        var error = await Assert.ThrowsAsync<ArchiveScanIdKeyUnavailableException>(() => Store(blobs, mayCreate: false).GetAsync(Ct));

        Assert.Equal(ArchiveScanIdKeyUnavailableException.Missing, error.Reason);
        Assert.Contains($"{ArchiveScanIdKeyStore.ContainerName}/{ArchiveScanIdKeyStore.BlobName}", error.Message, StringComparison.Ordinal);
        Assert.False((await KeyBlob(blobs).ExistsAsync(Ct)).Value);
    }

    [Fact]
    public async Task A_key_blob_of_another_length_is_refused_and_never_replaced()
    {
        var blobs = await AccountAsync();
        await KeyBlob(blobs).UploadAsync(BinaryData.FromBytes(new byte[16]), Ct);

        var error = await Assert.ThrowsAsync<ArchiveScanIdKeyUnavailableException>(() => Store(blobs, mayCreate: true).GetAsync(Ct));

        Assert.Equal(ArchiveScanIdKeyUnavailableException.Malformed, error.Reason);
        Assert.Equal(16, (await KeyBlob(blobs).DownloadContentAsync(Ct)).Value.Content.ToArray().Length);
    }

    [Fact]
    public async Task A_missing_container_is_named_and_the_failure_is_not_kept()
    {
        var blobs = new BlobServiceClient(azurite.PrivateAccountConnectionString());
        var store = Store(blobs, mayCreate: true);

        var error = await Assert.ThrowsAsync<ArchiveScanIdKeyUnavailableException>(() => store.GetAsync(Ct));
        Assert.Equal(ArchiveScanIdKeyUnavailableException.ContainerMissing, error.Reason);
        Assert.Contains($"'{ArchiveScanIdKeyStore.ContainerName}'", error.Message, StringComparison.Ordinal);

        // Once the container is there, the same process gets its key: a failed read was not kept as the answer.
        await blobs.GetBlobContainerClient(ArchiveScanIdKeyStore.ContainerName).CreateAsync(cancellationToken: Ct);
        Assert.True(BlobLayout.IsArchiveScanId(await store.ScanIdOfAsync(Name, Ct)));
    }

    [Fact]
    public async Task Creating_the_key_logs_a_warning_that_never_holds_the_key()
    {
        var blobs = await AccountAsync();
        var logger = new CapturingLogger<ArchiveScanIdKeyStore>();

        await new ArchiveScanIdKeyStore(blobs, mayCreate: true, logger).GetAsync(Ct);

        var secret = (await KeyBlob(blobs).DownloadContentAsync(Ct)).Value.Content.ToArray();
        var entry = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Warning, entry.Level);
        foreach (var form in new[] { Convert.ToHexStringLower(secret), Convert.ToHexString(secret), Convert.ToBase64String(secret) })
        {
            Assert.DoesNotContain(form, entry.Message, StringComparison.Ordinal);
        }

        // A second process reads the key: no second warning, which would say a key was created again.
        var second = new CapturingLogger<ArchiveScanIdKeyStore>();
        await new ArchiveScanIdKeyStore(blobs, mayCreate: true, second).GetAsync(Ct);
        Assert.Empty(second.Entries);
    }

    private async Task<BlobServiceClient> AccountAsync()
    {
        var blobs = new BlobServiceClient(azurite.PrivateAccountConnectionString());
        await blobs.GetBlobContainerClient(ArchiveScanIdKeyStore.ContainerName).CreateAsync(cancellationToken: Ct);
        return blobs;
    }

    private static BlobClient KeyBlob(BlobServiceClient blobs) =>
        blobs.GetBlobContainerClient(ArchiveScanIdKeyStore.ContainerName).GetBlobClient(ArchiveScanIdKeyStore.BlobName);

    private static ArchiveScanIdKeyStore Store(BlobServiceClient blobs, bool mayCreate) =>
        new(blobs, mayCreate, new CapturingLogger<ArchiveScanIdKeyStore>());
}
