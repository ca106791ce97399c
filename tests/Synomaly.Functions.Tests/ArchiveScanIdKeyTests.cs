using Azure.Storage.Blobs;
using Synomaly.Contracts;
using Synomaly.Functions.Services.Archive;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Storage.Jobs;
using Synomaly.Storage.Keys;
using Synomaly.Storage.Messaging;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>
/// Archive scan ids are keyed with the deployment's key: a bulk run files its jobs, and an archive deletion erases,
/// under the id the key gives; neither goes on under another id when the key cannot be read. Each test has an account
/// of its own, whose key it sets.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ArchiveScanIdKeyTests(AzuriteFixture azurite)
{
    private const string Name = "2019/SMITH_JOHN_19700101.dcm";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_bulk_run_files_each_archive_scan_under_the_id_the_deployments_key_gives()
    {
        await using var host = await TestHost.CreateAsync(azurite, steps: new CapturingSteps(), ownStorageAccount: true);
        var key = await SetKeyAsync(host.Blobs, System.Security.Cryptography.RandomNumberGenerator.GetBytes(ArchiveScanIdKey.Length));
        await host.Blobs.GetBlobContainerClient(BlobLayout.ArchiveContainer).UploadBlobAsync(Name, BinaryData.FromBytes(ScanBytes.Dicom()), Ct);
        var bulk = host.Get<BulkReprocessService>();

        var run = await bulk.StartAsync(new BulkRunRequest("2019/", null, false), Ct);
        await bulk.RunStepAsync(run.RunId, TimeSpan.FromHours(1), Ct);

        var published = Assert.Single(host.Get<InMemoryScanJobPublisher>().Published).Job;
        Assert.Equal(BlobLayout.ArchiveScanId(Name, key!), published.ScanId);
        Assert.NotNull(await host.Jobs.GetAsync(published.ScanId, "v1", Ct));
        // Not the unkeyed hash, which anyone guessing the name could compute.
        var unkeyed = "a-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Name)), 0, 16);
        Assert.Null(await host.Jobs.GetAsync(unkeyed, "v1", Ct));
    }

    [Fact]
    public async Task Without_a_readable_key_a_bulk_step_fails_typed_and_writes_no_job()
    {
        await using var host = await TestHost.CreateAsync(azurite, steps: new CapturingSteps(), ownStorageAccount: true);
        await SetKeyAsync(host.Blobs, new byte[7]);
        await host.Blobs.GetBlobContainerClient(BlobLayout.ArchiveContainer).UploadBlobAsync(Name, BinaryData.FromBytes(ScanBytes.Dicom()), Ct);
        var bulk = host.Get<BulkReprocessService>();
        var run = await bulk.StartAsync(new BulkRunRequest("2019/", null, false), Ct);

        // Thrown, the step's message is retried by the queue trigger; nothing is filed under an id of another key.
        var error = await Assert.ThrowsAsync<ArchiveScanIdKeyUnavailableException>(() => bulk.ContinueQueuedAsync(run.RunId, Ct));

        Assert.Equal(ArchiveScanIdKeyUnavailableException.Malformed, error.Reason);
        Assert.Empty(host.Get<InMemoryScanJobPublisher>().Published);
        Assert.Empty((await host.Jobs.ListAsync(cancellationToken: Ct)).Jobs);
    }

    [Fact]
    public async Task Without_a_readable_key_an_archive_deletion_is_retried_and_erases_nothing()
    {
        await using var host = await TestHost.CreateAsync(azurite, ownStorageAccount: true);
        var (source, scanId) = await ArchiveDeletionTests.ProcessedArchiveScanAsync(host, Name);
        await source.DeleteAsync(cancellationToken: Ct);
        // The key is lost (as by a wrong account or a deleted blob replaced by hand with something else).
        await SetKeyAsync(host.Blobs, new byte[7], overwrite: true);

        var error = await Assert.ThrowsAsync<ArchiveScanIdKeyUnavailableException>(() =>
            NewProcess(host).HandleAsync(BinaryData.FromString(BlobDeletedEvents.For(source.Uri)), Ct));

        Assert.Equal(ArchiveScanIdKeyUnavailableException.Malformed, error.Reason);
        Assert.DoesNotContain("SMITH", error.Message, StringComparison.Ordinal);
        Assert.Equal(JobState.Succeeded, (await host.Jobs.GetAsync(scanId, "v1", Ct))!.State);
    }

    [Fact]
    public async Task A_deleted_key_is_not_replaced_so_an_archive_deletion_is_retried_and_erases_nothing()
    {
        await using var host = await TestHost.CreateAsync(azurite, ownStorageAccount: true);
        var (source, scanId) = await ProcessedArchiveScanAsync(host);
        await source.DeleteAsync(cancellationToken: Ct);
        // The key blob is deleted (the Functions identity may delete in its container, and so may an operator).
        var keyBlob = host.Blobs.GetBlobContainerClient(ArchiveScanIdKeyStore.ContainerName).GetBlobClient(ArchiveScanIdKeyStore.BlobName);
        await keyBlob.DeleteAsync(cancellationToken: Ct);

        // A new key would name the file with another id and erase nothing; the event waits for the key's restore instead.
        var error = await Assert.ThrowsAsync<ArchiveScanIdKeyUnavailableException>(() =>
            NewProcess(host).HandleAsync(BinaryData.FromString(BlobDeletedEvents.For(source.Uri)), Ct));

        Assert.Equal(ArchiveScanIdKeyUnavailableException.Missing, error.Reason);
        Assert.DoesNotContain("SMITH", error.Message, StringComparison.Ordinal);
        Assert.False((await keyBlob.ExistsAsync(Ct)).Value);
        Assert.Equal(JobState.Succeeded, (await host.Jobs.GetAsync(scanId, "v1", Ct))!.State);
    }

    private static Task<(BlobClient Source, string ScanId)> ProcessedArchiveScanAsync(TestHost host) =>
        ArchiveDeletionTests.ProcessedArchiveScanAsync(host, Name);

    /// <summary>The host's handler as a new process would have it: a key store that has not read the key yet.</summary>
    private static ArchiveDeletionHandler NewProcess(TestHost host) => new(
        host.Get<Synomaly.Functions.Services.Erasure.ScanErasureService>(),
        host.Blobs,
        host.Get<Azure.Storage.Queues.QueueServiceClient>(),
        new ArchiveScanIdKeyStore(host.Blobs, mayCreate: true, Microsoft.Extensions.Logging.Abstractions.NullLogger<ArchiveScanIdKeyStore>.Instance),
        host.Get<LegacyArchiveScanErasure>(),
        Microsoft.Extensions.Logging.Abstractions.NullLogger<ArchiveDeletionHandler>.Instance);

    private static async Task<ArchiveScanIdKey?> SetKeyAsync(BlobServiceClient blobs, byte[] bytes, bool overwrite = false)
    {
        await blobs.GetBlobContainerClient(ArchiveScanIdKeyStore.ContainerName).GetBlobClient(ArchiveScanIdKeyStore.BlobName).UploadAsync(BinaryData.FromBytes(bytes), overwrite, Ct);
        return bytes.Length == ArchiveScanIdKey.Length ? ArchiveScanIdKey.FromBytes(bytes) : null;
    }
}
