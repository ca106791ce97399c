using Azure.Storage.Blobs;
using Synomaly.Contracts;
using Synomaly.Functions.Services.Archive;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Functions.Services.Erasure;
using Synomaly.Functions.Triggers;
using Synomaly.Storage.Jobs;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>The archive's owner deletes a source: the results derived from it are erased (queue trigger ArchiveSourceDeleted).</summary>
[Trait("Category", "Integration")]
public sealed class ArchiveDeletionTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Deleting_a_processed_archive_scan_erases_its_results_and_leaves_a_tombstone_and_other_scans_alone()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var (source, scanId) = await ProcessedArchiveScanAsync(host, $"study {Guid.NewGuid():N}/série.dcm");
        var (_, otherScanId) = await ProcessedArchiveScanAsync(host, $"other-{Guid.NewGuid():N}.dcm");
        await source.DeleteAsync(cancellationToken: Ct); // the archive's owner erases the source

        await host.Function<ArchiveSourceDeleted>().Run(BlobDeletedEvents.For(source.Uri), Ct);

        var record = (await host.Jobs.GetAsync(scanId, "v1", Ct))!;
        Assert.True(record.IsDeleted);
        Assert.Null(record.ResultPrefix);
        Assert.Empty(await host.BlobNamesAsync(BlobLayout.ResultsContainer, scanId));
        Assert.Single(await host.BlobNamesAsync(BlobLayout.ResultsContainer, otherScanId));
        Assert.Equal(JobState.Succeeded, (await host.Jobs.GetAsync(otherScanId, "v1", Ct))!.State);
    }

    [Fact]
    public async Task A_source_written_again_before_the_event_is_handled_keeps_its_results()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var (source, scanId) = await ProcessedArchiveScanAsync(host, $"rewritten-{Guid.NewGuid():N}.dcm");
        await source.DeleteAsync(cancellationToken: Ct);
        await source.UploadAsync(BinaryData.FromBytes(ScanBytes.Png()), Ct);

        var outcome = await host.Get<ArchiveDeletionHandler>().HandleAsync(BinaryData.FromString(BlobDeletedEvents.For(source.Uri)), Ct);

        Assert.Equal(ScanErasureOutcome.ArchiveScan, outcome);
        Assert.Equal(JobState.Succeeded, (await host.Jobs.GetAsync(scanId, "v1", Ct))!.State);
        Assert.Single(await host.BlobNamesAsync(BlobLayout.ResultsContainer, scanId));
    }

    [Fact]
    public async Task A_source_that_was_never_processed_changes_nothing_and_a_repeated_event_is_harmless()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var never = host.Blobs.GetBlobContainerClient(BlobLayout.ArchiveContainer).GetBlobClient($"never-{Guid.NewGuid():N}.dcm");
        var (source, scanId) = await ProcessedArchiveScanAsync(host, $"twice-{Guid.NewGuid():N}.dcm");
        await source.DeleteAsync(cancellationToken: Ct);
        var handler = host.Get<ArchiveDeletionHandler>();

        var neverOutcome = await handler.HandleAsync(BinaryData.FromString(BlobDeletedEvents.For(never.Uri)), Ct);
        var first = await handler.HandleAsync(BinaryData.FromString(BlobDeletedEvents.For(source.Uri)), Ct);
        var deletedAt = (await host.Jobs.GetAsync(scanId, "v1", Ct))!.FinishedAt;
        var second = await handler.HandleAsync(BinaryData.FromString(BlobDeletedEvents.For(source.Uri)), Ct);

        Assert.Equal(ScanErasureOutcome.NotFound, neverOutcome);
        Assert.Null(await host.Jobs.GetAsync(await host.ArchiveScanIdAsync(never.Name), "v1", Ct));
        Assert.Equal((ScanErasureOutcome.Deleted, ScanErasureOutcome.Deleted), (first, second));
        Assert.Equal(deletedAt, (await host.Jobs.GetAsync(scanId, "v1", Ct))!.FinishedAt); // the tombstone is not rewritten
    }

    [Fact]
    public async Task An_event_from_another_storage_account_is_ignored()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var (source, scanId) = await ProcessedArchiveScanAsync(host, $"foreign-{Guid.NewGuid():N}.dcm");
        await source.DeleteAsync(cancellationToken: Ct);
        var foreign = new Uri($"https://stsomeoneelse.blob.core.windows.net/archive/{Uri.EscapeDataString(source.Name)}");

        var outcome = await host.Get<ArchiveDeletionHandler>().HandleAsync(BinaryData.FromString(BlobDeletedEvents.For(foreign)), Ct);

        Assert.Null(outcome);
        Assert.Equal(JobState.Succeeded, (await host.Jobs.GetAsync(scanId, "v1", Ct))!.State);
    }

    [Fact]
    public async Task A_malformed_message_throws_a_typed_error_for_the_poison_queue_and_changes_nothing()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var (_, scanId) = await ProcessedArchiveScanAsync(host, $"kept-{Guid.NewGuid():N}.dcm");

        await Assert.ThrowsAsync<InvalidArchiveEventException>(() => host.Function<ArchiveSourceDeleted>().Run("{\"not\":\"an event\"}", Ct));

        Assert.Equal(JobState.Succeeded, (await host.Jobs.GetAsync(scanId, "v1", Ct))!.State);
    }

    /// <summary>An archive blob with the Succeeded record and result that a bulk run and the worker would have left.</summary>
    internal static async Task<(BlobClient Source, string ScanId)> ProcessedArchiveScanAsync(TestHost host, string name)
    {
        var source = host.Blobs.GetBlobContainerClient(BlobLayout.ArchiveContainer).GetBlobClient(name);
        await source.UploadAsync(BinaryData.FromBytes(ScanBytes.Png()), Ct);
        var scanId = await host.ArchiveScanIdAsync(name);
        var prefix = BlobLayout.ResultsPrefix(scanId, "v1", "0x1");
        await host.Blobs.GetBlobContainerClient(BlobLayout.ResultsContainer).UploadBlobAsync(prefix + BlobLayout.ReportFile, BinaryData.FromString("{}"), Ct);
        await host.Jobs.CreateAsync(new JobRecord { ScanId = scanId, ModelVersion = "v1", State = JobState.Succeeded, Origin = JobOrigin.Bulk, SourceBlobUri = source.Uri, ResultPrefix = prefix }, Ct);
        return (source, scanId);
    }
}
