using Azure.Storage.Blobs;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Processing;
using Synomaly.GpuWorker.Results;
using Synomaly.Imaging;
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

        var content = await new BlobScanReader(service, ScanReadLimits.Default).ReadAsync(job, TestContext.Current.CancellationToken);

        Assert.Equal([1, 2, 3], content.ToArray());
    }

    [Fact]
    public async Task A_source_replaced_after_queueing_is_rejected_as_changed_and_a_deleted_one_as_missing()
    {
        var (service, job, _) = await UploadAsync("blob-changed", [1]);
        await UploadAsync("blob-changed", [2]);
        var reader = new BlobScanReader(service, ScanReadLimits.Default);

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

        var error = await Assert.ThrowsAsync<JobRejectedException>(() => new BlobScanReader(service, ScanReadLimits.Default).ReadAsync(elsewhere, TestContext.Current.CancellationToken));

        Assert.Equal(JobRejectedException.SourceNotAllowed, error.Reason);
    }

    [Fact]
    public async Task A_scan_over_the_size_limit_is_rejected_before_download()
    {
        var (service, job, _) = await UploadAsync("blob-big", new byte[2048]);

        var error = await Assert.ThrowsAsync<ScanRejectedException>(() => new BlobScanReader(service, ScanReadLimits.Default with { MaxFileBytes = 1024 }).ReadAsync(job, TestContext.Current.CancellationToken));

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
