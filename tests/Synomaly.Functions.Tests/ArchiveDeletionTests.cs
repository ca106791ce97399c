using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Synomaly.Contracts;
using Synomaly.Functions.Services.Archive;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Functions.Services.Erasure;
using Synomaly.Functions.Triggers;
using Synomaly.Storage.Blobs;
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

    [Fact]
    public async Task Deleting_an_archive_file_also_erases_its_record_and_results_filed_under_its_id_from_before_keyed_ids()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var name = $"legacy-{Guid.NewGuid():N}/SMITH_JOHN_19700101.dcm";
        // Processed before the upgrade to keyed ids (under the unkeyed id), and again after it (under the keyed id).
        var (source, keyedId) = await ProcessedArchiveScanAsync(host, name);
        var legacyId = UnkeyedScanId(name);
        await ResultAndRecordAsync(host, legacyId, source);
        await source.DeleteAsync(cancellationToken: Ct);
        var handler = host.Get<ArchiveDeletionHandler>();

        var first = await handler.HandleAsync(BinaryData.FromString(BlobDeletedEvents.For(source.Uri)), Ct);
        var deletedAt = (await host.Jobs.GetAsync(legacyId, "v1", Ct))!.FinishedAt;
        var second = await handler.HandleAsync(BinaryData.FromString(BlobDeletedEvents.For(source.Uri)), Ct);

        Assert.Equal((ScanErasureOutcome.Deleted, ScanErasureOutcome.Deleted), (first, second));
        foreach (var scanId in new[] { legacyId, keyedId })
        {
            var record = (await host.Jobs.GetAsync(scanId, "v1", Ct))!;
            Assert.True(record.IsDeleted);
            Assert.Null(record.ResultPrefix);
            Assert.Empty(await host.BlobNamesAsync(BlobLayout.ResultsContainer, scanId));
        }

        Assert.Equal(deletedAt, (await host.Jobs.GetAsync(legacyId, "v1", Ct))!.FinishedAt); // the tombstone is not rewritten
    }

    [Fact]
    public async Task A_file_processed_only_before_keyed_ids_is_erased_when_deleted_and_one_rewritten_since_is_kept()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var gone = host.Blobs.GetBlobContainerClient(BlobLayout.ArchiveContainer).GetBlobClient($"old-{Guid.NewGuid():N}.dcm");
        var back = host.Blobs.GetBlobContainerClient(BlobLayout.ArchiveContainer).GetBlobClient($"back-{Guid.NewGuid():N}.dcm");
        foreach (var blob in new[] { gone, back })
        {
            await blob.UploadAsync(BinaryData.FromBytes(ScanBytes.Png()), Ct);
            await ResultAndRecordAsync(host, UnkeyedScanId(blob.Name), blob);
            await blob.DeleteAsync(cancellationToken: Ct);
        }

        await back.UploadAsync(BinaryData.FromBytes(ScanBytes.Png()), Ct); // written again before its event is handled
        var handler = host.Get<ArchiveDeletionHandler>();

        var goneOutcome = await handler.HandleAsync(BinaryData.FromString(BlobDeletedEvents.For(gone.Uri)), Ct);
        var backOutcome = await handler.HandleAsync(BinaryData.FromString(BlobDeletedEvents.For(back.Uri)), Ct);

        Assert.Equal((ScanErasureOutcome.Deleted, ScanErasureOutcome.ArchiveScan), (goneOutcome, backOutcome));
        Assert.True((await host.Jobs.GetAsync(UnkeyedScanId(gone.Name), "v1", Ct))!.IsDeleted);
        Assert.Empty(await host.BlobNamesAsync(BlobLayout.ResultsContainer, UnkeyedScanId(gone.Name)));
        Assert.Equal(JobState.Succeeded, (await host.Jobs.GetAsync(UnkeyedScanId(back.Name), "v1", Ct))!.State);
        Assert.Single(await host.BlobNamesAsync(BlobLayout.ResultsContainer, UnkeyedScanId(back.Name)));
    }

    [Fact]
    public async Task The_unkeyed_id_of_a_file_never_processed_under_it_is_not_logged_and_gets_no_tombstone()
    {
        // An unkeyed id can be checked against a guessed name: one that stood nowhere must not be put in the logs now.
        await using var host = await TestHost.CreateAsync(azurite);
        var (source, _) = await ProcessedArchiveScanAsync(host, $"new-{Guid.NewGuid():N}.dcm");
        await source.DeleteAsync(cancellationToken: Ct);
        var log = new CapturingLogger<ScanErasureService>();
        var erasure = new ScanErasureService(host.Blobs, host.Jobs, host.Get<ScanJobRows>(), host.Get<Microsoft.Extensions.Options.IOptions<Synomaly.Functions.Options.IntakeOptions>>(), TimeProvider.System, log);
        var handler = new ArchiveDeletionHandler(
            erasure, host.Blobs, host.Get<Azure.Storage.Queues.QueueServiceClient>(), host.Get<Synomaly.Storage.Keys.ArchiveScanIdKeyStore>(),
            new LegacyArchiveScanErasure(erasure, host.Get<ScanJobRows>(), host.Blobs, Microsoft.Extensions.Logging.Abstractions.NullLogger<LegacyArchiveScanErasure>.Instance), Microsoft.Extensions.Logging.Abstractions.NullLogger<ArchiveDeletionHandler>.Instance);

        Assert.Equal(ScanErasureOutcome.Deleted, await handler.HandleAsync(BinaryData.FromString(BlobDeletedEvents.For(source.Uri)), Ct));

        Assert.NotEmpty(log.Entries);
        Assert.DoesNotContain(log.Entries, entry => entry.Message.Contains(UnkeyedScanId(source.Name), StringComparison.Ordinal));
        Assert.Null(await host.Jobs.GetAsync(UnkeyedScanId(source.Name), "v1", Ct));
    }

    [Fact]
    public async Task Results_without_a_record_whose_tombstone_storage_fails_to_write_are_still_tombstoned_by_the_retry()
    {
        // The tombstone was written after the results were deleted: failing there, it left the retry of the message nothing
        // to find, so no tombstone answered "was it deleted, and when", and the retry logged that nothing had existed.
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = "a-" + Guid.NewGuid().ToString("N");
        var results = host.Blobs.GetBlobContainerClient(BlobLayout.ResultsContainer);
        await results.UploadBlobAsync(BlobLayout.ResultsPrefix(scanId, "v1", "0x1") + BlobLayout.ReportFile, BinaryData.FromString("{}"), Ct);
        var outage = new TableOutage { Only = r => r.Method == Azure.Core.RequestMethod.Post };
        var table = new Azure.Data.Tables.TableClient(azurite.ConnectionString, "jobs" + Guid.NewGuid().ToString("N")[..12], outage.Options());
        await table.CreateIfNotExistsAsync(Ct);
        var store = new JobStore(table);
        var erasure = new ScanErasureService(host.Blobs, store, new ScanJobRows(table), host.Get<Microsoft.Extensions.Options.IOptions<Synomaly.Functions.Options.IntakeOptions>>(), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<ScanErasureService>.Instance);
        outage.Failure = () => new Azure.RequestFailedException(503, "The server is busy.", "ServerBusy", null);

        await Assert.ThrowsAnyAsync<Exception>(() => erasure.EraseAsync(scanId, Ct, ErasureReason.ArchiveSourceDeleted));
        outage.Failure = null;
        Assert.NotEmpty(await host.BlobNamesAsync(BlobLayout.ResultsContainer, scanId)); // nothing is deleted before its tombstone stands
        var (retried, erased) = await erasure.EraseAsync(scanId, Ct, ErasureReason.ArchiveSourceDeleted);

        Assert.Equal(ScanErasureOutcome.Deleted, retried);
        Assert.Equal(1, erased!.ResultBlobsDeleted);
        Assert.True((await store.GetAsync(scanId, "v1", Ct))!.IsDeleted);
        Assert.Empty(await host.BlobNamesAsync(BlobLayout.ResultsContainer, scanId));
    }

    [Fact]
    public async Task The_check_for_anything_filed_under_an_archive_id_lists_results_alone_as_an_archive_scan_has_no_upload()
    {
        // A bulk run reads the archive file where it is and the worker files only results: the check listed scans/ too,
        // where nothing of an archive scan is ever written. What is left of scans/ is its folder's erasure's own listings.
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = "a-" + Guid.NewGuid().ToString("N");
        var listings = new ListingCounter(BlobLayout.ScansContainer);
        var blobs = new BlobServiceClient(host.ConnectionString, listings.Options());
        await BlobFolderEraser.EraseAsync(blobs.GetBlobContainerClient(BlobLayout.ScansContainer), scanId + "/", Ct);
        var folderErasureListings = listings.Count;
        listings.Count = 0;
        var erasure = ActivatorUtilities.CreateInstance<ScanErasureService>(host.Services, blobs);

        var (outcome, _) = await erasure.EraseAsync(scanId, Ct, ErasureReason.ArchiveSourceDeleted);

        Assert.Equal(ScanErasureOutcome.NotFound, outcome);
        Assert.Equal(folderErasureListings, listings.Count);
    }

    [Fact]
    public async Task Results_that_vanish_after_the_check_found_them_are_answered_erased_as_the_tombstone_written_for_them_says()
    {
        // The check found results and a tombstone was written for them; gone before the deletes (the lifecycle rule, a
        // second delivery of the event), the erasure answered NotFound, "nothing had been derived from it", beside a
        // tombstone saying the scan was deleted.
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = "a-" + Guid.NewGuid().ToString("N");
        await host.Blobs.GetBlobContainerClient(BlobLayout.ResultsContainer).UploadBlobAsync(BlobLayout.ResultsPrefix(scanId, "v1", "0x1") + BlobLayout.ReportFile, BinaryData.FromString("{}"), Ct);
        var vanishing = new ResultsVanishingAfterFirstListing(host.Blobs.GetBlobContainerClient(BlobLayout.ResultsContainer), scanId + "/");
        var erasure = ActivatorUtilities.CreateInstance<ScanErasureService>(host.Services, new BlobServiceClient(host.ConnectionString, vanishing.Options()));

        var (outcome, erased) = await erasure.EraseAsync(scanId, Ct, ErasureReason.ArchiveSourceDeleted);

        Assert.True(vanishing.Vanished);
        Assert.True((await host.Jobs.GetAsync(scanId, "v1", Ct))!.IsDeleted);
        Assert.Equal(ScanErasureOutcome.Deleted, outcome);
        Assert.Equal((1, 0, 0, 0), (erased!.JobsMarkedDeleted, erased.UploadBlobsDeleted, erased.ResultBlobsDeleted, erased.PreviousVersionsDeleted));
    }

    /// <summary>Counts the listings of one container.</summary>
    private sealed class ListingCounter(string container) : HttpPipelineSynchronousPolicy
    {
        public int Count { get; set; }

        public BlobClientOptions Options()
        {
            var options = new BlobClientOptions();
            options.AddPolicy(this, HttpPipelinePosition.PerCall);
            return options;
        }

        public override void OnSendingRequest(HttpMessage message)
        {
            if (IsListingOf(message.Request, container))
            {
                Count++;
            }
        }
    }

    /// <summary>Deletes the folder's blobs (through a client of its own) once the first listing of its container has answered.</summary>
    private sealed class ResultsVanishingAfterFirstListing(BlobContainerClient results, string prefix) : HttpPipelineSynchronousPolicy
    {
        public bool Vanished { get; private set; }

        public BlobClientOptions Options()
        {
            var options = new BlobClientOptions();
            options.AddPolicy(this, HttpPipelinePosition.PerCall);
            return options;
        }

        public override void OnReceivedResponse(HttpMessage message)
        {
            if (Vanished || !IsListingOf(message.Request, results.Name))
            {
                return;
            }

            foreach (var blob in results.GetBlobs(new Azure.Storage.Blobs.Models.GetBlobsOptions { Prefix = prefix }))
            {
                results.DeleteBlob(blob.Name);
            }

            Vanished = true;
        }
    }

    private static bool IsListingOf(Request request, string container) =>
        request.Method == RequestMethod.Get && request.Uri.Query.Contains("comp=list", StringComparison.Ordinal)
        && request.Uri.Path.EndsWith($"/{container}", StringComparison.Ordinal);

    /// <summary>The id versions before keyed ids gave an archive file, computed here on its own: unkeyed SHA-256 of the name.</summary>
    private static string UnkeyedScanId(string name) =>
        "a-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)), 0, 16);

    /// <summary>A Succeeded bulk record and its result under <paramref name="scanId"/> for <paramref name="source"/>.</summary>
    private static async Task ResultAndRecordAsync(TestHost host, string scanId, BlobClient source)
    {
        var prefix = BlobLayout.ResultsPrefix(scanId, "v1", "0x1");
        await host.Blobs.GetBlobContainerClient(BlobLayout.ResultsContainer).UploadBlobAsync(prefix + BlobLayout.ReportFile, BinaryData.FromString("{}"), Ct);
        await host.Jobs.CreateAsync(new JobRecord { ScanId = scanId, ModelVersion = "v1", State = JobState.Succeeded, Origin = JobOrigin.Bulk, SourceBlobUri = source.Uri, ResultPrefix = prefix }, Ct);
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
