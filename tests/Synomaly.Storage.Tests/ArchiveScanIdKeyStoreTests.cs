using System.Security.Cryptography;
using Azure.Core;
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

    /// <summary>
    /// In Azure the app may only create the key (a condition refuses blob write on it, docs/DEPLOY.md), so the instance
    /// that loses the first-use race is refused 403 rather than 409: it reads the winner's key all the same.
    /// </summary>
    [Fact]
    public async Task An_instance_whose_create_only_role_is_refused_because_another_created_the_key_first_reads_that_key()
    {
        var connectionString = azurite.PrivateAccountConnectionString();
        var plain = new BlobServiceClient(connectionString);
        await plain.GetBlobContainerClient(ArchiveScanIdKeyStore.ContainerName).CreateAsync(cancellationToken: Ct);
        var winners = RandomNumberGenerator.GetBytes(ArchiveScanIdKey.Length);
        var createOnly = new CreateOnlyRole(ArchiveScanIdKeyStore.BlobName, () => KeyBlob(plain).UploadAsync(BinaryData.FromBytes(winners), Ct));

        var id = await Store(CreateOnlyClient(connectionString, createOnly), mayCreate: true).ScanIdOfAsync(Name, Ct);

        Assert.Equal(BlobLayout.ArchiveScanId(Name, ArchiveScanIdKey.FromBytes(winners)), id);
        Assert.True((await plain.GetBlobContainerClient(ArchiveScanIdKeyStore.ContainerName).GetBlobClient(ArchiveScanIdKeyStore.MarkerBlobName).ExistsAsync(Ct)).Value);
    }

    /// <summary>The same for the marker: another instance marked the key between this one's check and its write.</summary>
    [Fact]
    public async Task An_instance_whose_create_only_role_is_refused_because_another_wrote_the_marker_first_goes_on()
    {
        var connectionString = azurite.PrivateAccountConnectionString();
        var plain = new BlobServiceClient(connectionString);
        var container = plain.GetBlobContainerClient(ArchiveScanIdKeyStore.ContainerName);
        await container.CreateAsync(cancellationToken: Ct);
        var key = RandomNumberGenerator.GetBytes(ArchiveScanIdKey.Length);
        await KeyBlob(plain).UploadAsync(BinaryData.FromBytes(key), Ct);
        var createOnly = new CreateOnlyRole(ArchiveScanIdKeyStore.MarkerBlobName, () => container.GetBlobClient(ArchiveScanIdKeyStore.MarkerBlobName).UploadAsync(BinaryData.Empty, Ct));

        var id = await Store(CreateOnlyClient(connectionString, createOnly), mayCreate: true).ScanIdOfAsync(Name, Ct);

        Assert.Equal(BlobLayout.ArchiveScanId(Name, ArchiveScanIdKey.FromBytes(key)), id);
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

    [Fact]
    public async Task A_deleted_key_is_not_replaced_by_a_new_one_and_is_reported_missing()
    {
        var blobs = await AccountAsync();
        var id = await Store(blobs, mayCreate: true).ScanIdOfAsync(Name, Ct);
        var secret = (await KeyBlob(blobs).DownloadContentAsync(Ct)).Value.Content;
        // An operator, or the Functions identity's own delete right, removes the key blob.
        await KeyBlob(blobs).DeleteAsync(cancellationToken: Ct);

        // The next Functions process must not make up a new key: every archive scan id would change silently.
        var error = await Assert.ThrowsAsync<ArchiveScanIdKeyUnavailableException>(() => Store(blobs, mayCreate: true).GetAsync(Ct));

        Assert.Equal(ArchiveScanIdKeyUnavailableException.Missing, error.Reason);
        Assert.Contains("docs/DEPLOY.md", error.Message, StringComparison.Ordinal);
        Assert.Contains("soft delete", error.Message, StringComparison.Ordinal);
        Assert.False((await KeyBlob(blobs).ExistsAsync(Ct)).Value);

        // Once the blob is restored (soft delete's undelete brings back the same bytes; Azurite has no soft delete), the
        // ids are the old ones again.
        await KeyBlob(blobs).UploadAsync(secret, Ct);
        Assert.Equal(id, await Store(blobs, mayCreate: true).ScanIdOfAsync(Name, Ct));
    }

    [Fact]
    public async Task A_key_created_before_its_marker_existed_is_marked_on_first_read_and_then_not_replaced()
    {
        // A deployment whose key was created by a version that wrote no marker.
        var blobs = await AccountAsync();
        await KeyBlob(blobs).UploadAsync(BinaryData.FromBytes(System.Security.Cryptography.RandomNumberGenerator.GetBytes(ArchiveScanIdKey.Length)), Ct);
        await Store(blobs, mayCreate: true).GetAsync(Ct);

        await KeyBlob(blobs).DeleteAsync(cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<ArchiveScanIdKeyUnavailableException>(() => Store(blobs, mayCreate: true).GetAsync(Ct));
        Assert.Equal(ArchiveScanIdKeyUnavailableException.Missing, error.Reason);
        Assert.False((await KeyBlob(blobs).ExistsAsync(Ct)).Value);
    }

    [Fact]
    public async Task A_deleted_key_is_replaced_only_once_its_marker_is_deleted_on_purpose()
    {
        var blobs = await AccountAsync();
        var id = await Store(blobs, mayCreate: true).ScanIdOfAsync(Name, Ct);

        // Rotation (docs/DEPLOY.md): both blobs deleted deliberately.
        await KeyBlob(blobs).DeleteAsync(cancellationToken: Ct);
        await blobs.GetBlobContainerClient(ArchiveScanIdKeyStore.ContainerName).GetBlobClient(ArchiveScanIdKeyStore.MarkerBlobName).DeleteAsync(cancellationToken: Ct);

        Assert.NotEqual(id, await Store(blobs, mayCreate: true).ScanIdOfAsync(Name, Ct));
    }

    private async Task<BlobServiceClient> AccountAsync()
    {
        var blobs = new BlobServiceClient(azurite.PrivateAccountConnectionString());
        await blobs.GetBlobContainerClient(ArchiveScanIdKeyStore.ContainerName).CreateAsync(cancellationToken: Ct);
        return blobs;
    }

    private static BlobServiceClient CreateOnlyClient(string connectionString, CreateOnlyRole role)
    {
        var options = new BlobClientOptions();
        options.AddPolicy(role, HttpPipelinePosition.PerRetry);
        return new BlobServiceClient(connectionString, options);
    }

    private static BlobClient KeyBlob(BlobServiceClient blobs) =>
        blobs.GetBlobContainerClient(ArchiveScanIdKeyStore.ContainerName).GetBlobClient(ArchiveScanIdKeyStore.BlobName);

    private static ArchiveScanIdKeyStore Store(BlobServiceClient blobs, bool mayCreate) =>
        new(blobs, mayCreate, new CapturingLogger<ArchiveScanIdKeyStore>());
}
