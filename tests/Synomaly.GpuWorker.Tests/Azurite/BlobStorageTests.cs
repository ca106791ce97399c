using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Messaging;
using Synomaly.GpuWorker.Processing;
using Synomaly.GpuWorker.Results;
using Synomaly.GpuWorker.Tests.Support;
using Synomaly.Imaging;
using Synomaly.Storage.Keys;
using Synomaly.Testing;

namespace Synomaly.GpuWorker.Tests.Azurite;

/// <summary>Reading the exact source version and writing results at most once, against a real Azurite.</summary>
[Trait("Category", "Integration")]
public sealed class BlobStorageTests(AzuriteFixture azurite)
{
    private async Task<(BlobServiceClient Service, ScanJob Job, Azure.ETag ETag)> UploadAsync(string scanId, byte[] content)
    {
        var service = new BlobServiceClient(azurite.ConnectionString);
        var container = service.GetBlobContainerClient(BlobLayout.ScansContainer);
        await container.CreateIfNotExistsAsync(cancellationToken: TestContext.Current.CancellationToken);
        var blob = container.GetBlobClient(BlobLayout.UploadPath(scanId, "upload.bin"));
        var uploaded = await blob.UploadAsync(BinaryData.FromBytes(content), overwrite: true, TestContext.Current.CancellationToken);
        var job = new ScanJob
        {
            ScanId = scanId,
            SourceBlobUri = blob.Uri,
            SourceETag = uploaded.Value.ETag.ToString(),
            ModelName = "m",
            ModelVersion = "1",
            CorrelationId = "c",
            SubmittedAt = DateTimeOffset.UtcNow,
        };
        return (service, job, uploaded.Value.ETag);
    }

    [Fact]
    public async Task The_reader_returns_the_version_the_job_names()
    {
        var (service, job, _) = await UploadAsync("blob-read", [1, 2, 3]);

        var content = await Reader(service).ReadAsync(job, TestContext.Current.CancellationToken);

        Assert.Equal([1, 2, 3], content.ToArray());
    }

    [Fact]
    public async Task A_source_replaced_after_queueing_is_rejected_as_changed_and_a_deleted_one_as_missing()
    {
        var (service, job, _) = await UploadAsync("blob-changed", [1]);
        await UploadAsync("blob-changed", [2]);
        var reader = Reader(service);

        var changed = await Assert.ThrowsAsync<JobRejectedException>(() => reader.ReadAsync(job, TestContext.Current.CancellationToken));
        Assert.Equal(JobRejectedException.SourceChanged, changed.Reason);

        await new BlobClient(azurite.ConnectionString, BlobLayout.ScansContainer, BlobLayout.UploadPath("blob-changed", "upload.bin")).DeleteAsync(cancellationToken: TestContext.Current.CancellationToken);
        var missing = await Assert.ThrowsAsync<JobRejectedException>(() => reader.ReadAsync(job, TestContext.Current.CancellationToken));
        Assert.Equal(JobRejectedException.SourceMissing, missing.Reason);
    }

    [Fact]
    public async Task A_source_outside_the_scans_and_archive_containers_is_not_read()
    {
        var (service, job, _) = await UploadAsync("blob-elsewhere", [1]);
        var elsewhere = job with { SourceBlobUri = new Uri(job.SourceBlobUri!.ToString().Replace("/scans/", "/models/", StringComparison.Ordinal)) };

        var error = await Assert.ThrowsAsync<JobRejectedException>(() => Reader(service).ReadAsync(elsewhere, TestContext.Current.CancellationToken));

        Assert.Equal(JobRejectedException.SourceNotAllowed, error.Reason);
    }

    [Fact]
    public async Task Another_scans_upload_is_not_read_for_this_scan_and_the_rejection_names_no_blob()
    {
        var (service, other, _) = await UploadAsync("blob-scan-b", [1]);
        var named = other with { ScanId = "blob-scan-a" };

        var error = await Assert.ThrowsAsync<JobRejectedException>(() => Reader(service).ReadAsync(named, TestContext.Current.CancellationToken));

        Assert.Equal(JobRejectedException.SourceNotAllowed, error.Reason);
        Assert.DoesNotContain("blob-scan-b", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("upload.bin", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_job_naming_another_scans_upload_is_dead_lettered_as_not_allowed_and_logs_no_blob_name()
    {
        var (service, other, _) = await UploadAsync("blob-scan-d", FakeScanCodec.Scan(1, 0.5f).ToArray());
        await using var harness = new WorkerHarness(sources: Reader(service));
        var source = new InMemoryScanJobSource();
        // A message for scan C whose source is scan D's upload: D's maps must not be filed as C's results.
        var job = other with { ScanId = "blob-scan-c", ModelName = "test-model", ModelVersion = "1.0.0" };
        source.Enqueue(BinaryData.FromBytes(ScanJobSerializer.Serialize(job)), job.MessageId);
        var delivery = await source.ReceiveAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Equal(JobOutcome.DeadLettered, await harness.Handler.HandleAsync(delivery!, TestContext.Current.CancellationToken));

        var settlement = Assert.Single(source.Settlements);
        Assert.Equal((SettlementKind.DeadLettered, JobRejectedException.SourceNotAllowed), (settlement.Kind, settlement.Reason));
        Assert.Equal((JobState.Failed, JobRejectedException.SourceNotAllowed), (harness.Record(job)!.State, harness.Record(job)!.ErrorCode));
        Assert.Empty(harness.Model.Calls);
        Assert.Empty(harness.ResultPaths(job));
        foreach (var text in harness.HandlerLog.Entries.Select(e => e.Message).Append(settlement.Description).Append(harness.Record(job)!.ErrorMessage))
        {
            Assert.DoesNotContain("blob-scan-d", text, StringComparison.Ordinal);
            Assert.DoesNotContain("upload.bin", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task An_archive_blob_is_read_only_for_the_scan_id_its_name_gives_under_the_deployments_key()
    {
        var ct = TestContext.Current.CancellationToken;
        var service = new BlobServiceClient(azurite.ConnectionString);
        // A name that needs escaping in the URI: the id is the name's, as a reprocessing run lists it.
        var name = $"2024/Doe Jane {Guid.NewGuid():N}.nii.gz";
        var blob = await ArchiveAsync(service, name);
        // The Functions app computes the id (and creates the key, on first use); the worker is another process that reads it.
        var functions = await KeyStoreAsync(service, mayCreate: true);
        var job = ArchiveJob(blob, await functions.ScanIdOfAsync(name, ct));
        var reader = Reader(service);

        Assert.Equal([7, 8], (await reader.ReadAsync(job, ct)).ToArray());

        // A forged message: another archive file's id (under the same key) with this blob as its source.
        var anotherId = await functions.ScanIdOfAsync("2024/another.nii.gz", ct);
        var forged = await Assert.ThrowsAsync<JobRejectedException>(() => reader.ReadAsync(job with { ScanId = anotherId }, ct));
        Assert.Equal(JobRejectedException.SourceNotAllowed, forged.Reason);
        Assert.DoesNotContain("Doe", forged.Message, StringComparison.Ordinal);

        // An id of this very name under another key (or the unkeyed hash ids once were) is not this deployment's id either.
        var otherKey = ArchiveScanIdKey.FromBytes(System.Security.Cryptography.RandomNumberGenerator.GetBytes(ArchiveScanIdKey.Length));
        var unkeyed = "a-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)), 0, 16);
        foreach (var scanId in new[] { BlobLayout.ArchiveScanId(name, otherKey), unkeyed })
        {
            var refused = await Assert.ThrowsAsync<JobRejectedException>(() => reader.ReadAsync(job with { ScanId = scanId }, ct));
            Assert.Equal(JobRejectedException.SourceNotAllowed, refused.Reason);
        }
    }

    [Fact]
    public async Task An_archive_job_is_not_read_while_the_key_cannot_be_read_and_is_retried_not_refused()
    {
        var ct = TestContext.Current.CancellationToken;
        // An account whose key was never created (or was deleted): the worker may not create one.
        var service = new BlobServiceClient(azurite.PrivateAccountConnectionString());
        await service.GetBlobContainerClient(ArchiveScanIdKeyStore.ContainerName).CreateAsync(cancellationToken: ct);
        const string name = "2024/Doe Jane.nii.gz";
        var blob = await ArchiveAsync(service, name);
        var job = ArchiveJob(blob, BlobLayout.ArchiveScanId(name, ArchiveScanIdKey.FromBytes(new byte[ArchiveScanIdKey.Length])));

        var error = await Assert.ThrowsAsync<ArchiveScanIdKeyUnavailableException>(() => Reader(service).ReadAsync(job, ct));

        Assert.Equal(ArchiveScanIdKeyUnavailableException.Missing, error.Reason);
        Assert.Equal((FailureKind.Transient, FailureClassifier.ScanIdKeyUnavailable), (FailureClassifier.Classify(error).Kind, FailureClassifier.Classify(error).Reason));
        Assert.DoesNotContain("Doe", error.Message, StringComparison.Ordinal);
        Assert.False((await service.GetBlobContainerClient(ArchiveScanIdKeyStore.ContainerName).GetBlobClient(ArchiveScanIdKeyStore.BlobName).ExistsAsync(ct)).Value);
    }

    private static async Task<BlobClient> ArchiveAsync(BlobServiceClient service, string name)
    {
        var archive = service.GetBlobContainerClient(BlobLayout.ArchiveContainer);
        await archive.CreateIfNotExistsAsync(cancellationToken: TestContext.Current.CancellationToken);
        var blob = archive.GetBlobClient(name);
        await blob.UploadAsync(BinaryData.FromBytes([7, 8]), overwrite: true, TestContext.Current.CancellationToken);
        return blob;
    }

    private static ScanJob ArchiveJob(BlobClient blob, string scanId) => new()
    {
        ScanId = scanId,
        SourceBlobUri = blob.Uri,
        SourceETag = blob.GetProperties(cancellationToken: TestContext.Current.CancellationToken).Value.ETag.ToString(),
        ModelName = "m",
        ModelVersion = "1",
        Origin = JobOrigin.Bulk,
        CorrelationId = "c",
        SubmittedAt = DateTimeOffset.UtcNow,
    };

    /// <summary>The worker's reader, with a key store of its own (a process of its own), which only reads the key.</summary>
    private static BlobScanReader Reader(BlobServiceClient service, ScanReadLimits? limits = null) =>
        new(service, new ArchiveScanIdKeyStore(service, mayCreate: false, NullLogger<ArchiveScanIdKeyStore>.Instance), limits ?? ScanReadLimits.Default);

    private static async Task<ArchiveScanIdKeyStore> KeyStoreAsync(BlobServiceClient service, bool mayCreate)
    {
        await service.GetBlobContainerClient(ArchiveScanIdKeyStore.ContainerName).CreateIfNotExistsAsync(cancellationToken: TestContext.Current.CancellationToken);
        return new ArchiveScanIdKeyStore(service, mayCreate, NullLogger<ArchiveScanIdKeyStore>.Instance);
    }

    [Fact]
    public async Task A_scan_over_the_size_limit_is_rejected_before_download()
    {
        var (service, job, _) = await UploadAsync("blob-big", new byte[2048]);

        var error = await Assert.ThrowsAsync<ScanRejectedException>(() => Reader(service, ScanReadLimits.Default with { MaxFileBytes = 1024 }).ReadAsync(job, TestContext.Current.CancellationToken));

        Assert.Equal(ScanRejectionCode.LimitExceeded, error.Code);
    }

    [Fact]
    public async Task A_result_is_created_once_and_never_overwritten()
    {
        var container = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(BlobLayout.ResultsContainer);
        await container.CreateIfNotExistsAsync(cancellationToken: TestContext.Current.CancellationToken);
        var store = new BlobResultStore(container);
        var path = BlobLayout.ResultsPrefix("blob-result", "1", "0x1") + BlobLayout.ReportFile;

        Assert.False(await store.ExistsAsync(path, TestContext.Current.CancellationToken));
        Assert.True(await store.CreateIfAbsentAsync(path, BinaryData.FromString("first"), "application/json", TestContext.Current.CancellationToken));
        Assert.False(await store.CreateIfAbsentAsync(path, BinaryData.FromString("second"), "application/json", TestContext.Current.CancellationToken));

        Assert.True(await store.ExistsAsync(path, TestContext.Current.CancellationToken));
        var stored = await container.GetBlobClient(path).DownloadContentAsync(TestContext.Current.CancellationToken);
        Assert.Equal("first", stored.Value.Content.ToString());
        Assert.Equal("application/json", stored.Value.Details.ContentType);
    }

    [Fact]
    public async Task Deleting_a_result_set_removes_every_blob_under_its_prefix_and_nothing_beside_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var container = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(BlobLayout.ResultsContainer);
        await container.CreateIfNotExistsAsync(cancellationToken: ct);
        var store = new BlobResultStore(container);
        var scanId = "delete-" + Guid.NewGuid().ToString("N");
        var doomed = BlobLayout.ResultsPrefix(scanId, "1", "0x1");
        var kept = BlobLayout.ResultsPrefix(scanId, "1", "0x2");
        foreach (var path in new[] { doomed + BlobLayout.ReportFile, doomed + "overlays/0.png", kept + BlobLayout.ReportFile })
        {
            await store.CreateIfAbsentAsync(path, BinaryData.FromString("x"), "application/octet-stream", ct);
        }

        Assert.Equal(2, await store.DeleteUnderAsync(doomed, ct));
        Assert.Equal(0, await store.DeleteUnderAsync(doomed, ct));
        await Assert.ThrowsAsync<ArgumentException>(() => store.DeleteUnderAsync(doomed.TrimEnd('/'), ct));

        Assert.False(await store.ExistsAsync(doomed + "overlays/0.png", ct));
        Assert.True(await store.ExistsAsync(kept + BlobLayout.ReportFile, ct));
    }
}
