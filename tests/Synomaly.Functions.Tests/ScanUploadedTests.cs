using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Synomaly.Contracts;
using Synomaly.Functions.Services.Intake;
using Synomaly.Functions.Services.Jobs;
using Synomaly.Functions.Services.Status;
using Synomaly.Functions.Triggers;
using Synomaly.Storage.Messaging;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

[Trait("Category", "Integration")]
public sealed class ScanUploadedTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_accepted_upload_is_published_once_through_service_bus_with_the_deterministic_message_id_and_is_queued()
    {
        var sender = new CapturingServiceBusSender();
        await using var host = await TestHost.CreateAsync(azurite, publisher: new ServiceBusScanJobPublisher(sender));
        var scanId = ScanBytes.NewScanId();
        var blob = await host.UploadScanAsync($"{scanId}/scan.dcm", ScanBytes.Dicom(), new Dictionary<string, string> { ["modality"] = "BrainMri" });
        var etag = (await blob.GetPropertiesAsync(cancellationToken: Ct)).Value.ETag.ToString();

        await host.Function<ScanUploaded>().Run(blob, Ct);

        var message = Assert.Single(sender.Sent);
        Assert.Equal($"{scanId}:{etag.Trim('"')}:v1", message.MessageId);
        Assert.Equal(scanId, message.CorrelationId);
        Assert.Equal("application/json", message.ContentType);
        var job = ScanJobSerializer.Deserialize(message.Body.ToArray());
        Assert.Equal(scanId, job.ScanId);
        Assert.Equal(ScanFormat.Dicom, job.DetectedFormat);
        Assert.Equal(ModalityHint.BrainMri, job.Modality);
        Assert.Equal(JobOrigin.Upload, job.Origin);
        Assert.Equal(blob.Uri, job.SourceBlobUri);
        Assert.Equal("brain-mri-demo", job.ModelName);

        var record = await host.Jobs.GetAsync(scanId, "v1", Ct);
        Assert.NotNull(record);
        Assert.Equal(JobState.Queued, record.State);
        Assert.NotNull(record.QueuedAt);
        Assert.Equal(message.MessageId, record.MessageId);
    }

    [Fact]
    public async Task The_polling_twin_runs_the_same_intake()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        var blob = await host.UploadScanAsync($"{scanId}/scan.nii.gz", ScanBytes.GzipNifti());

        await host.Function<ScanUploadedPolling>().Run(blob, Ct);

        var published = Assert.Single(host.Get<InMemoryScanJobPublisher>().Published);
        Assert.Equal(ScanFormat.NiftiGzip, published.Job.DetectedFormat);
        Assert.Equal(JobState.Queued, (await host.Jobs.GetAsync(scanId, "v1", Ct))!.State);
    }

    [Fact]
    public async Task A_duplicate_event_for_the_same_blob_version_publishes_nothing_more()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        var blob = await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png());
        var intake = host.Get<ScanIntakeService>();

        var first = await intake.ProcessAsync(blob, Ct);
        var second = await intake.ProcessAsync(blob, Ct);
        await host.Function<ScanUploaded>().Run(blob, Ct);

        Assert.Equal(IntakeOutcome.Queued, first.Outcome);
        Assert.Equal(IntakeOutcome.Skipped, second.Outcome);
        Assert.Equal(Services.Jobs.SkipReason.Duplicate, second.Skipped);
        Assert.Single(host.Get<InMemoryScanJobPublisher>().Published);
    }

    [Fact]
    public async Task Concurrent_duplicate_events_publish_once_the_record_is_confirmed()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        var blob = await host.UploadScanAsync($"{scanId}/scan.dcm", ScanBytes.Dicom());
        var intake = host.Get<ScanIntakeService>();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => intake.ProcessAsync(blob, Ct)));
        var published = host.Get<InMemoryScanJobPublisher>().Published;

        // Racing events may each publish before any confirms (Service Bus drops those by MessageId), but they all carry
        // the one deterministic id, and the record ends published exactly for it.
        Assert.NotEmpty(published);
        Assert.Single(published.Select(p => p.Job.MessageId).Distinct());
        var record = await host.Jobs.GetAsync(scanId, "v1", Ct);
        Assert.Equal(published[0].Job.MessageId, record!.MessageId);
        Assert.NotNull(record.QueuedAt);
        await intake.ProcessAsync(blob, Ct);
        Assert.Equal(published.Count, host.Get<InMemoryScanJobPublisher>().Published.Count);
    }

    [Fact]
    public async Task A_new_version_of_the_blob_is_queued_again_with_its_own_message_id()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        var blob = await host.UploadScanAsync($"{scanId}/scan.dcm", ScanBytes.Dicom());
        await host.Get<ScanIntakeService>().ProcessAsync(blob, Ct);
        await blob.UploadAsync(BinaryData.FromBytes(ScanBytes.Png()), overwrite: true, Ct);

        var result = await host.Get<ScanIntakeService>().ProcessAsync(blob, Ct);

        Assert.Equal(IntakeOutcome.Queued, result.Outcome);
        var published = host.Get<InMemoryScanJobPublisher>().Published;
        Assert.Equal(2, published.Count);
        Assert.NotEqual(published[0].Job.MessageId, published[1].Job.MessageId);
        var record = await host.Jobs.GetAsync(scanId, "v1", Ct);
        Assert.Equal(published[1].Job.MessageId, record!.MessageId);
        Assert.Equal(ScanFormat.Png, record.DetectedFormat);
    }

    [Fact]
    public async Task An_upload_replaced_after_its_job_succeeded_is_queued_again_so_its_results_answer_for_the_new_content()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var (scanId, blob, queued, _) = await SucceededUploadAsync(host);
        // The upload SAS still allows writes: the portal sends another file under the same scan id.
        await blob.UploadAsync(BinaryData.FromBytes(ScanBytes.Png()), overwrite: true, Ct);

        var result = await host.Get<ScanIntakeService>().ProcessAsync(blob, Ct);

        Assert.Equal(IntakeOutcome.Queued, result.Outcome);
        var record = (await host.Jobs.GetAsync(scanId, "v1", Ct))!;
        Assert.Equal(JobState.Queued, record.State);
        Assert.Null(record.ResultPrefix);
        Assert.Equal(host.Get<InMemoryScanJobPublisher>().Published[^1].Job.MessageId, record.MessageId);
        Assert.NotEqual(queued.SourceETag, record.SourceETag);
    }

    [Fact]
    public async Task The_published_message_leaves_out_the_content_hash_the_job_record_keeps()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();

        await host.Get<ScanIntakeService>().ProcessAsync(await host.UploadScanAsync($"{scanId}/scan.dcm", ScanBytes.Dicom()), Ct);

        // A dead letter outlives an erasure; the hash would confirm which file was erased.
        var published = host.Get<InMemoryScanJobPublisher>().Published.Single().Job;
        Assert.Null(published.SourceContentMd5);
        Assert.NotNull((await host.Jobs.GetAsync(scanId, "v1", Ct))!.SourceContentMd5);
    }

    [Fact]
    public async Task The_same_bytes_uploaded_again_after_success_keep_their_results_without_a_new_run()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var (scanId, blob, queued, succeeded) = await SucceededUploadAsync(host);
        await blob.UploadAsync(BinaryData.FromBytes(ScanBytes.Dicom()), overwrite: true, Ct);

        var result = await host.Get<ScanIntakeService>().ProcessAsync(blob, Ct);

        Assert.NotNull(queued.SourceContentMd5);
        Assert.Equal(IntakeOutcome.Skipped, result.Outcome);
        Assert.Equal(SkipReason.SameContentSucceeded, result.Skipped);
        Assert.Single(host.Get<InMemoryScanJobPublisher>().Published);
        Assert.Equal(succeeded.ETag, (await host.Jobs.GetAsync(scanId, "v1", Ct))!.ETag);
    }

    [Fact]
    public async Task A_bad_file_uploaded_over_a_succeeded_scan_fails_the_job_for_the_new_version_and_stays_failed()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow.AddMinutes(10));
        // Its own storage account: the sweep below lists the whole scans container.
        await using var host = await TestHost.CreateAsync(azurite, clock: clock, ownStorageAccount: true);
        var (scanId, blob, queued, succeeded) = await SucceededUploadAsync(host);
        var oldResult = host.Blobs.GetBlobContainerClient(BlobLayout.ResultsContainer).GetBlobClient(succeeded.ResultPrefix + BlobLayout.ReportFile);
        await oldResult.UploadAsync(BinaryData.FromString("{}"), Ct);
        await blob.UploadAsync(BinaryData.FromBytes(ScanBytes.Text()), overwrite: true, Ct);

        var result = await host.Get<ScanIntakeService>().ProcessAsync(blob, Ct);
        var sweep = await host.Get<UploadReconciler>().RunAsync(Ct);

        Assert.Equal(IntakeOutcome.Rejected, result.Outcome);
        var record = (await host.Jobs.GetAsync(scanId, "v1", Ct))!;
        Assert.Equal(JobState.Failed, record.State);
        Assert.Equal(nameof(IntakeRejectionCode.UnknownFormat), record.ErrorCode);
        Assert.Equal((await blob.GetPropertiesAsync(cancellationToken: Ct)).Value.ETag.ToString(), record.SourceETag);
        Assert.NotEqual(queued.SourceETag, record.SourceETag);
        Assert.Null(record.ResultPrefix); // the old results no longer answer for the scan...
        Assert.True(await oldResult.ExistsAsync(Ct)); // ...and stay in their version's folder for the lifecycle rule, as after a good new file
        var status = (await host.Get<ScanStatusService>().GetAsync(scanId, null, Ct))!;
        Assert.Equal(JobState.Failed, status.State);
        Assert.Equal(nameof(IntakeRejectionCode.UnknownFormat), status.Error!.Code);
        Assert.Empty(status.Results);
        Assert.DoesNotContain(scanId, sweep.Resubmitted); // a verdict on that version: not taken in again every sweep
        Assert.Single(host.Get<InMemoryScanJobPublisher>().Published, p => p.Job.ScanId == scanId);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("sub/scan.dcm")]
    public async Task A_stray_blob_in_a_subfolder_of_a_succeeded_scan_is_ignored_and_leaves_its_job_and_results_alone(string stray)
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow.AddMinutes(10));
        // Its own storage account: the sweep below lists the whole scans container.
        await using var host = await TestHost.CreateAsync(azurite, clock: clock, ownStorageAccount: true);
        var (scanId, _, _, succeeded) = await SucceededUploadAsync(host);
        // Only a writer with container access can put it there: the upload URL writes its one name.
        var blob = await host.UploadScanAsync($"{scanId}/{stray}", ScanBytes.Dicom());

        var result = await host.Get<ScanIntakeService>().ProcessAsync(blob, Ct);
        var sweep = await host.Get<UploadReconciler>().RunAsync(Ct);

        Assert.Equal((IntakeOutcome.Rejected, IntakeRejectionCode.InvalidPath, null), (result.Outcome, result.Rejection, result.Record));
        var record = (await host.Jobs.GetAsync(scanId, "v1", Ct))!;
        Assert.Equal((JobState.Succeeded, succeeded.SourceETag, succeeded.ResultPrefix), (record.State, record.SourceETag, record.ResultPrefix));
        Assert.DoesNotContain(scanId, sweep.Resubmitted);
        Assert.Single(host.Get<InMemoryScanJobPublisher>().Published, p => p.Job.ScanId == scanId);
    }

    [Fact]
    public async Task A_rejection_of_the_very_version_that_succeeded_leaves_the_job_and_its_results_alone()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var (scanId, _, queued, succeeded) = await SucceededUploadAsync(host);

        var kept = await host.Get<JobSubmitter>().RejectAsync(new Storage.Jobs.JobRecord
        {
            ScanId = scanId,
            ModelVersion = "v1",
            State = JobState.Failed,
            ErrorCode = nameof(IntakeRejectionCode.TooLarge),
            SourceETag = queued.SourceETag,
        }, Ct);

        Assert.Equal(succeeded.ETag, kept!.ETag);
        Assert.Equal(JobState.Succeeded, (await host.Jobs.GetAsync(scanId, "v1", Ct))!.State);
    }

    /// <summary>A DICOM upload taken in by intake whose job a worker then finished (Succeeded, results under its version).</summary>
    private static async Task<(string ScanId, Azure.Storage.Blobs.BlobClient Blob, Storage.Jobs.JobRecord Queued, Storage.Jobs.JobRecord Succeeded)> SucceededUploadAsync(TestHost host)
    {
        var scanId = ScanBytes.NewScanId();
        var blob = await host.UploadScanAsync($"{scanId}/scan.dcm", ScanBytes.Dicom());
        await host.Get<ScanIntakeService>().ProcessAsync(blob, Ct);
        var queued = (await host.Jobs.GetAsync(scanId, "v1", Ct))!;
        var processing = (await host.Jobs.TransitionAsync(queued, JobState.Processing, r => r with { Attempts = 1 }, Ct)).Record!;
        var succeeded = (await host.Jobs.TransitionAsync(processing, JobState.Succeeded, r => r with { ResultPrefix = BlobLayout.ResultsPrefix(scanId, "v1", queued.SourceETag!) }, Ct)).Record!;
        return (scanId, blob, queued, succeeded);
    }

    public static TheoryData<string, string, IntakeRejectionCode> Rejections => new()
    {
        { "scan.dcm", "empty", IntakeRejectionCode.Empty },
        { "scan.dcm", "large", IntakeRejectionCode.TooLarge },
        { "notes.txt", "text", IntakeRejectionCode.UnknownFormat },
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public async Task A_rejected_upload_ends_failed_with_its_reason_code_and_publishes_nothing(string file, string content, IntakeRejectionCode expected)
    {
        await using var host = await TestHost.CreateAsync(azurite, new() { ["Intake:MaxScanBytes"] = "1000" });
        var scanId = ScanBytes.NewScanId();
        var bytes = content switch
        {
            "empty" => [],
            "large" => new byte[1001],
            "text" => ScanBytes.Text(),
            _ => ScanBytes.Dicom(),
        };
        var blob = await host.UploadScanAsync($"{scanId}/{file}", bytes);

        var result = await host.Get<ScanIntakeService>().ProcessAsync(blob, Ct);

        Assert.Equal(IntakeOutcome.Rejected, result.Outcome);
        Assert.Equal(expected, result.Rejection);
        Assert.Empty(host.Get<InMemoryScanJobPublisher>().Published);
        var record = await host.Jobs.GetAsync(scanId, "v1", Ct);
        Assert.NotNull(record);
        Assert.Equal(JobState.Failed, record.State);
        Assert.Equal(expected.ToString(), record.ErrorCode);
        Assert.NotNull(record.FinishedAt);
        Assert.DoesNotContain(file, record.ErrorMessage, StringComparison.Ordinal);
        Assert.True(await blob.ExistsAsync(Ct)); // a rejected block blob stays for the lifecycle rule, and for a look at it

        // The same rejected version arriving again changes nothing.
        var again = await host.Get<ScanIntakeService>().ProcessAsync(blob, Ct);
        Assert.Equal(record.ETag, (await host.Jobs.GetAsync(scanId, "v1", Ct))!.ETag);
        Assert.Empty(host.Get<InMemoryScanJobPublisher>().Published);
        Assert.Equal(IntakeOutcome.Rejected, again.Outcome);
    }

    [Fact]
    public async Task An_upload_in_the_archive_tier_ends_failed_with_a_reason_that_says_so_and_publishes_nothing()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        // The upload URL lets its holder choose the tier (x-ms-access-tier): an archived blob cannot be read.
        var blob = host.Blobs.GetBlobContainerClient(BlobLayout.ScansContainer).GetBlobClient($"{scanId}/scan.dcm");
        await blob.UploadAsync(BinaryData.FromBytes(ScanBytes.Dicom()), new BlobUploadOptions { AccessTier = AccessTier.Archive }, Ct);

        var result = await host.Get<ScanIntakeService>().ProcessAsync(blob, Ct);

        Assert.Equal(IntakeOutcome.Rejected, result.Outcome);
        Assert.Equal(IntakeRejectionCode.Archived, result.Rejection);
        Assert.Empty(host.Get<InMemoryScanJobPublisher>().Published);
        var record = (await host.Jobs.GetAsync(scanId, "v1", Ct))!;
        Assert.Equal(JobState.Failed, record.State);
        Assert.Equal(nameof(IntakeRejectionCode.Archived), record.ErrorCode);
        Assert.Contains("Archive access tier", record.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("Hot or Cool", record.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(BlobType.Append)]
    [InlineData(BlobType.Page)]
    public async Task An_append_or_page_blob_upload_ends_failed_as_an_unsupported_blob_type_and_is_deleted_unprocessed(BlobType type)
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        var blob = await NonBlockUploadAsync(host, $"{scanId}/scan.png", type);

        await host.Function<ScanUploadedPolling>().Run(blob, Ct);

        Assert.Empty(host.Get<InMemoryScanJobPublisher>().Published);
        var record = (await host.Jobs.GetAsync(scanId, "v1", Ct))!;
        Assert.Equal(JobState.Failed, record.State);
        Assert.Equal(nameof(IntakeRejectionCode.UnsupportedBlobType), record.ErrorCode);
        Assert.Contains("block blob", record.ErrorMessage, StringComparison.Ordinal);
        Assert.False(await blob.ExistsAsync(Ct));
    }

    [Fact]
    public async Task A_non_block_upload_written_again_after_intake_read_it_is_refused_but_not_deleted()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        var name = $"{scanId}/scan.png";
        await NonBlockUploadAsync(host, name, BlobType.Append);
        var holder = host.Blobs.GetBlobContainerClient(BlobLayout.ScansContainer).GetAppendBlobClient(name);
        var blob = new AppendedAfterReadBlob(host.ConnectionString, name, holder);

        var result = await host.Get<ScanIntakeService>().ProcessAsync(blob, Ct);

        // Its rejection answers for the version intake read; the newer one is left for its own look (reconciliation).
        Assert.Equal(IntakeRejectionCode.UnsupportedBlobType, result.Rejection);
        Assert.True(await blob.ExistsAsync(Ct));
    }

    /// <summary>An append or page blob holding a PNG at scans/{name}, as the upload URL lets its holder create one.</summary>
    private static async Task<BlobClient> NonBlockUploadAsync(TestHost host, string name, BlobType type)
    {
        var container = host.Blobs.GetBlobContainerClient(BlobLayout.ScansContainer);
        if (type == BlobType.Append)
        {
            var append = container.GetAppendBlobClient(name);
            await append.CreateAsync(cancellationToken: Ct);
            await append.AppendBlockAsync(new MemoryStream(ScanBytes.Png()), cancellationToken: Ct);
        }
        else
        {
            // Page blobs are written in whole 512-byte pages.
            var page = container.GetPageBlobClient(name);
            var content = new byte[512];
            ScanBytes.Png().CopyTo(content, 0);
            await page.CreateAsync(content.Length, cancellationToken: Ct);
            await page.UploadPagesAsync(new MemoryStream(content), 0, cancellationToken: Ct);
        }

        return container.GetBlobClient(name);
    }

    /// <summary>An append blob its holder appends to again right after intake read its properties.</summary>
    private sealed class AppendedAfterReadBlob(string connectionString, string name, AppendBlobClient holder) : BlobClient(connectionString, BlobLayout.ScansContainer, name)
    {
        public override async Task<Response<BlobProperties>> GetPropertiesAsync(BlobRequestConditions? conditions = null, CancellationToken cancellationToken = default)
        {
            var read = await base.GetPropertiesAsync(conditions, cancellationToken);
            await holder.AppendBlockAsync(new MemoryStream([0]), cancellationToken: cancellationToken);
            return read;
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_upload_encrypted_with_a_customer_provided_key_ends_failed_with_a_reason_that_says_so_and_is_deleted_unprocessed(bool propertiesRefused)
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        var name = $"{scanId}/scan.png";
        var stored = await host.UploadScanAsync(name, ScanBytes.Png());
        var version = (await stored.GetPropertiesAsync(cancellationToken: Ct)).Value.ETag.ToString();
        var blob = new CustomerKeyEncryptedBlob(host.ConnectionString, BlobLayout.ScansContainer, name) { PropertiesRefused = propertiesRefused };

        var result = await host.Get<ScanIntakeService>().ProcessAsync(blob, Ct);

        Assert.Equal((IntakeOutcome.Rejected, IntakeRejectionCode.EncryptedWithCustomerProvidedKey), (result.Outcome, result.Rejection));
        var record = (await host.Jobs.GetAsync(scanId, "v1", Ct))!;
        Assert.Equal((JobState.Failed, nameof(IntakeRejectionCode.EncryptedWithCustomerProvidedKey)), (record.State, record.ErrorCode));
        Assert.Contains("x-ms-encryption", record.ErrorMessage, StringComparison.Ordinal);
        // Recorded for exactly the version stored, so the reconciliation does not bring it back.
        Assert.True(record.IsForSourceVersion(version));
        Assert.False(await stored.ExistsAsync(Ct));
        Assert.Empty(host.Get<InMemoryScanJobPublisher>().Published);
    }

    [Fact]
    public async Task A_readable_version_written_after_a_customer_key_refusal_is_neither_rejected_nor_deleted()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        var name = $"{scanId}/scan.png";
        var stored = await host.UploadScanAsync(name, ScanBytes.Png());
        // The properties of the encrypted version were refused; by the listing, the holder had uploaded it again without a key.
        var blob = new CustomerKeyEncryptedBlob(host.ConnectionString, BlobLayout.ScansContainer, name) { ListedWithKey = false };

        var result = await host.Get<ScanIntakeService>().ProcessAsync(blob, Ct);

        // The version refused is gone; the one there now has an event of its own, and the reconciliation behind it.
        Assert.Equal(IntakeOutcome.Superseded, result.Outcome);
        Assert.Null(await host.Jobs.GetAsync(scanId, "v1", Ct));
        Assert.True(await stored.ExistsAsync(Ct));
    }

    [Fact]
    public async Task An_upload_outside_a_scan_id_folder_is_rejected_without_a_record()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var blob = await host.UploadScanAsync($"Jane_Doe_{Guid.NewGuid():N}.dcm", ScanBytes.Dicom());

        var result = await host.Get<ScanIntakeService>().ProcessAsync(blob, Ct);

        Assert.Equal(IntakeOutcome.Rejected, result.Outcome);
        Assert.Equal(IntakeRejectionCode.InvalidScanId, result.Rejection);
        Assert.Null(result.ScanId);
        Assert.Empty(host.Get<InMemoryScanJobPublisher>().Published);
        Assert.Empty((await host.Jobs.ListAsync(cancellationToken: Ct)).Jobs);
    }

    [Fact]
    public async Task A_fixed_upload_after_a_rejection_is_queued()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        var blob = await host.UploadScanAsync($"{scanId}/scan.dcm", ScanBytes.Text());
        Assert.Equal(IntakeOutcome.Rejected, (await host.Get<ScanIntakeService>().ProcessAsync(blob, Ct)).Outcome);
        await blob.UploadAsync(BinaryData.FromBytes(ScanBytes.Dicom()), overwrite: true, Ct);

        var result = await host.Get<ScanIntakeService>().ProcessAsync(blob, Ct);

        Assert.Equal(IntakeOutcome.Queued, result.Outcome);
        var record = await host.Jobs.GetAsync(scanId, "v1", Ct);
        Assert.Equal(JobState.Queued, record!.State);
        Assert.Null(record.ErrorCode);
    }

    [Fact]
    public async Task A_fixed_upload_whose_job_cannot_be_published_stays_queued_for_its_own_version_not_failed_for_the_rejected_one()
    {
        var publisher = new OutagePublisher();
        await using var host = await TestHost.CreateAsync(azurite, publisher: publisher);
        var scanId = ScanBytes.NewScanId();
        var blob = await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Text());
        Assert.Equal(IntakeRejectionCode.UnknownFormat, (await host.Get<ScanIntakeService>().ProcessAsync(blob, Ct)).Rejection);
        var fixedVersion = (await blob.UploadAsync(BinaryData.FromBytes(ScanBytes.Png()), overwrite: true, Ct)).Value.ETag.ToString();

        publisher.FailsFor = job => job.ScanId == scanId;
        var refused = await Assert.ThrowsAsync<JobPublishFailedException>(() => host.Get<ScanIntakeService>().ProcessAsync(blob, Ct));
        var afterOutage = (await host.Jobs.GetAsync(scanId, "v1", Ct))!;
        publisher.FailsFor = _ => false;
        var next = await host.Get<ScanIntakeService>().ProcessAsync(blob, Ct);

        // Not put back to the old file's failure: the status would call the valid new file an unknown format.
        Assert.False(refused.RestoredFailure);
        Assert.Equal((JobState.Queued, null), (afterOutage.State, afterOutage.ErrorCode));
        Assert.True(afterOutage.IsForSourceVersion(fixedVersion));
        Assert.Null(afterOutage.QueuedAt);
        // The reservation is left for the event's retry or the reconciliation, which take it over and publish.
        Assert.Equal(IntakeOutcome.Queued, next.Outcome);
        Assert.Single(publisher.Published, p => p.Job.ScanId == scanId && p.Job.MessageId == afterOutage.MessageId);
    }

    [Fact]
    public async Task A_blob_deleted_before_intake_is_superseded_and_leaves_no_record()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        var blob = await host.UploadScanAsync($"{scanId}/scan.dcm", ScanBytes.Dicom());
        await blob.DeleteAsync(cancellationToken: Ct);

        var result = await host.Get<ScanIntakeService>().ProcessAsync(blob, Ct);

        Assert.Equal(IntakeOutcome.Superseded, result.Outcome);
        Assert.Null(await host.Jobs.GetAsync(scanId, "v1", Ct));
    }
}
