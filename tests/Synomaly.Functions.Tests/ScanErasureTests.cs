using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Synomaly.Contracts;
using Synomaly.Functions.Http;
using Synomaly.Functions.Services.Erasure;
using Synomaly.Functions.Services.Intake;
using Synomaly.Functions.Services.Jobs;
using Synomaly.Functions.Services.Status;
using Synomaly.Functions.Triggers;
using Synomaly.Storage.Jobs;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary><c>DELETE /api/scans/{scanId}</c>: erasure of an upload and everything derived from it, on request.</summary>
[Trait("Category", "Integration")]
public sealed class ScanErasureTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_processed_upload_its_results_of_every_model_version_and_their_links_are_gone_and_the_records_say_so()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png());
        await host.SucceededJobAsync(scanId);
        var older = (await host.Jobs.CreateAsync(new JobRecord { ScanId = scanId, ModelVersion = "v0", State = JobState.Failed, ErrorCode = "ModelVersionMismatch" }, Ct)).Record!;
        var otherScan = ScanBytes.NewScanId();
        await host.SucceededJobAsync(otherScan);

        var answer = await host.Function<DeleteScan>().Run(HttpRequests.Create("DELETE"), scanId, Ct);

        var erased = Assert.IsType<ScanErasure>(Assert.IsType<OkObjectResult>(answer).Value);
        Assert.Equal((2, 1, 3), (erased.JobsMarkedDeleted, erased.UploadBlobsDeleted, erased.ResultBlobsDeleted));
        Assert.Empty(await host.BlobNamesAsync(BlobLayout.ScansContainer, scanId));
        Assert.Empty(await host.BlobNamesAsync(BlobLayout.ResultsContainer, scanId));
        Assert.Equal(3, (await host.BlobNamesAsync(BlobLayout.ResultsContainer, otherScan)).Count); // another scan is untouched
        foreach (var version in new[] { "v1", older.ModelVersion })
        {
            var record = (await host.Jobs.GetAsync(scanId, version, Ct))!;
            Assert.True(record.IsDeleted);
            Assert.Equal((JobRecord.DeletedMessageId, (string?)null, erased.DeletedAt), (record.MessageId, record.ResultPrefix, record.FinishedAt));
        }

        var status = Assert.IsType<ScanStatus>(Assert.IsType<OkObjectResult>(await host.Function<GetScanStatus>().Run(HttpRequests.Create("GET"), scanId, Ct)).Value);
        Assert.Equal((JobState.Failed, "Deleted"), (status.State, status.Error?.Code));
        Assert.Empty(status.Results);
        // Nothing to retry: the upload is gone.
        Assert.Equal(404, Assert.IsType<ObjectResult>(await host.Function<RetryScan>().Run(HttpRequests.Create("POST"), scanId, Ct)).StatusCode);
    }

    [Fact]
    public async Task A_blob_delete_storage_stops_answering_part_way_answers_erasure_incomplete_as_a_delete_storage_refuses()
    {
        // A delete storage refused (one RequestFailedException) answered 409 erasure-incomplete; the SDK giving up on network
        // faults at the same point (an AggregateException) answered 503 storage-unavailable, which said nothing of the
        // records already tombstones and the upload already deleted, and logged no scan to look at again.
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png());
        await host.SucceededJobAsync(scanId);
        var outage = new BlobOutage { Only = r => r.Method == Azure.Core.RequestMethod.Delete && r.Uri.Path.Contains($"/{BlobLayout.ResultsContainer}/", StringComparison.Ordinal) };
        var log = new CapturingLogger<ScanErasureService>();
        var erasure = ActivatorUtilities.CreateInstance<ScanErasureService>(host.Services, new BlobServiceClient(host.ConnectionString, outage.Options()), log);
        outage.Failure = () => new Azure.RequestFailedException("Connection refused.", new HttpRequestException("Connection refused"));

        var answer = await ActivatorUtilities.CreateInstance<DeleteScan>(host.Services, erasure).Run(HttpRequests.Create("DELETE"), scanId, Ct);

        outage.Failure = null;
        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(answer).Value);
        Assert.Equal((409, Problems.ErasureIncompleteType), (problem.Status, problem.Type));
        Assert.Contains("storage did not answer", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("the records are marked Deleted", problem.Detail, StringComparison.Ordinal);
        Assert.True((await host.Jobs.GetAsync(scanId, "v1", Ct))!.IsDeleted);
        Assert.Empty(await host.BlobNamesAsync(BlobLayout.ScansContainer, scanId));
        Assert.NotEmpty(await host.BlobNamesAsync(BlobLayout.ResultsContainer, scanId));
        var warning = Assert.Single(log.Entries, e => e.Level == LogLevel.Warning);
        Assert.StartsWith($"Scan {scanId}: its erasure is incomplete", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_blob_delete_storage_denies_answers_500_erasure_incomplete_and_logs_an_error_naming_the_missing_role()
    {
        // A 403 (the Functions identity without its eraser role on the container) answered 409 "repeat the request", which
        // no repetition mends, and only a Warning told the operator, without the role to grant.
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png());
        await host.SucceededJobAsync(scanId);
        var (delete, outage, log) = DeleteFailingOnResults(host);
        outage.Failure = () => new Azure.RequestFailedException(403, "This request is not authorized to perform this operation using this permission.", "AuthorizationPermissionMismatch", null);
        var request = HttpRequests.Create("DELETE");

        var answer = await delete.Run(request, scanId, Ct);

        outage.Failure = null;
        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(answer).Value);
        Assert.Equal((500, Problems.ErasureIncompleteType), (problem.Status, problem.Type));
        Assert.Contains("the records are marked Deleted", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("its upload is deleted; its results are left", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("does not help until an operator grants", problem.Detail, StringComparison.Ordinal);
        Assert.Empty(request.HttpContext.Response.Headers.RetryAfter.ToString());
        Assert.True((await host.Jobs.GetAsync(scanId, "v1", Ct))!.IsDeleted);
        Assert.Empty(await host.BlobNamesAsync(BlobLayout.ScansContainer, scanId));
        Assert.NotEmpty(await host.BlobNamesAsync(BlobLayout.ResultsContainer, scanId));
        var error = Assert.Single(log.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("role Synomaly blob eraser", error.Message, StringComparison.Ordinal);
        Assert.Contains($"'{BlobLayout.ResultsContainer}' (403 AuthorizationPermissionMismatch)", error.Message, StringComparison.Ordinal);
        Assert.All(log.Entries, e => Assert.DoesNotContain("scan.png", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_listing_storage_denies_is_answered_and_logged_as_the_listing_with_the_role_that_grants_it()
    {
        // The folder is listed before any delete; a 403 on the listing (no blob read on results) was answered "storage
        // denied this app the delete" and logged as a missing Synomaly blob eraser, a role that carries no listing.
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png());
        await host.SucceededJobAsync(scanId);
        var (delete, outage, log) = DeleteFailingOnResults(host);
        outage.Only = r => r.Method == Azure.Core.RequestMethod.Get && r.Uri.Query.Contains("comp=list", StringComparison.Ordinal) && r.Uri.Path.EndsWith($"/{BlobLayout.ResultsContainer}", StringComparison.Ordinal);
        outage.Failure = () => new Azure.RequestFailedException(403, "This request is not authorized to perform this operation using this permission.", "AuthorizationPermissionMismatch", null);

        var answer = await delete.Run(HttpRequests.Create("DELETE"), scanId, Ct);

        outage.Failure = null;
        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(answer).Value);
        Assert.Equal((500, Problems.ErasureIncompleteType), (problem.Status, problem.Type));
        Assert.Contains($"storage denied this app the listing of the scan's blobs in container '{BlobLayout.ResultsContainer}'", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("the role Storage Blob Data Reader", problem.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("the delete", problem.Detail, StringComparison.Ordinal);
        var error = Assert.Single(log.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains("storage denied the listing of the scan's blobs", error.Message, StringComparison.Ordinal);
        Assert.Contains("role Storage Blob Data Reader", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("blob eraser", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("BlobImmutableDueToPolicy", "its immutability policy")]
    [InlineData("BlobImmutableDueToLegalHold", "its legal hold")]
    public async Task A_blob_delete_an_immutability_policy_or_legal_hold_refuses_says_repeating_does_not_help_until_it_is_lifted(string code, string what)
    {
        // Answered "Repeat the request." like any refusal, which never helps while the policy or the hold stands.
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png());
        await host.SucceededJobAsync(scanId);
        var (delete, outage, log) = DeleteFailingOnResults(host);
        outage.Failure = () => new Azure.RequestFailedException(409, "This operation is not permitted as the blob is immutable.", code, null);
        var request = HttpRequests.Create("DELETE");

        var answer = await delete.Run(request, scanId, Ct);

        outage.Failure = null;
        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(answer).Value);
        Assert.Equal((409, Problems.ErasureIncompleteType), (problem.Status, problem.Type));
        Assert.Empty(request.HttpContext.Response.Headers.RetryAfter.ToString());
        Assert.Contains($"Repeating the request does not help until {what} is lifted", problem.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Repeat the request.", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("its upload is deleted; its results are left", problem.Detail, StringComparison.Ordinal);
        var error = Assert.Single(log.Entries, e => e.Level == LogLevel.Error);
        Assert.Contains($"'{BlobLayout.ResultsContainer}' (409 {code})", error.Message, StringComparison.Ordinal);
        Assert.All(log.Entries, e => Assert.DoesNotContain("scan.png", e.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_blob_delete_a_lease_refuses_says_the_blob_is_leased_and_to_repeat_once_the_lease_ends()
    {
        // A lease taken again after each break of the erasure (an upload URL lets its holder take one) was answered as an
        // unnamed refusal, "Repeat the request.".
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png());
        await host.SucceededJobAsync(scanId);
        var holder = new LeaseTakenAgain(host.Blobs.GetBlobContainerClient(BlobLayout.ResultsContainer), await host.BlobNamesAsync(BlobLayout.ResultsContainer, scanId));
        var options = new BlobClientOptions();
        options.AddPolicy(holder, Azure.Core.HttpPipelinePosition.PerRetry);
        var erasure = ActivatorUtilities.CreateInstance<ScanErasureService>(host.Services, new BlobServiceClient(host.ConnectionString, options));

        var answer = await ActivatorUtilities.CreateInstance<DeleteScan>(host.Services, erasure).Run(HttpRequests.Create("DELETE"), scanId, Ct);

        holder.Stopped = true;
        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(answer).Value);
        Assert.Equal((409, Problems.ErasureIncompleteType), (problem.Status, problem.Type));
        Assert.Contains("is leased", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("Repeat the request once the lease ends", problem.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, null, true)]
    [InlineData(503, "ServerBusy", true)]
    [InlineData(500, "OperationTimedOut", true)]
    [InlineData(412, "LeaseIdMissing", false)]
    [InlineData(409, "BlobImmutableDueToPolicy", false)]
    public async Task A_blob_delete_that_fails_answers_erasure_incomplete_with_retry_after_only_where_storage_failed_for_a_passing_reason(int status, string? code, bool retryAfter)
    {
        // Every 503 of an outage asks for a pause with Retry-After; the 409 erasure-incomplete of the same outage did not.
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png());
        await host.SucceededJobAsync(scanId);
        var (delete, outage, _) = DeleteFailingOnResults(host);
        outage.Failure = status == 0
            ? () => new Azure.RequestFailedException("Connection refused.", new HttpRequestException("Connection refused"))
            : () => new Azure.RequestFailedException(status, "Failed.", code, null);
        var request = HttpRequests.Create("DELETE");

        var answer = await delete.Run(request, scanId, Ct);

        outage.Failure = null;
        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(answer).Value);
        Assert.Equal((409, Problems.ErasureIncompleteType), (problem.Status, problem.Type));
        Assert.Equal(retryAfter ? "30" : "", request.HttpContext.Response.Headers.RetryAfter.ToString());
    }

    [Fact]
    public async Task Storage_failing_when_the_records_are_read_again_after_the_blobs_are_deleted_answers_erasure_incomplete_with_retry_after()
    {
        // Every blob was gone by then, yet the answer was 503 storage-unavailable, which said nothing of that.
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png());
        var outage = new TableOutage();
        var table = new Azure.Data.Tables.TableClient(azurite.ConnectionString, "jobs" + Guid.NewGuid().ToString("N")[..12], outage.Options());
        await table.CreateIfNotExistsAsync(Ct);
        var store = new OutageOnRereadStore(table, outage);
        await store.CreateAsync(new JobRecord { ScanId = scanId, ModelVersion = "v1", State = JobState.Queued, MessageId = "intake" }, Ct);
        var erasure = new ScanErasureService(host.Blobs, store, new ScanJobRows(table), host.Get<Microsoft.Extensions.Options.IOptions<Synomaly.Functions.Options.IntakeOptions>>(), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<ScanErasureService>.Instance);
        var request = HttpRequests.Create("DELETE");

        var answer = await ActivatorUtilities.CreateInstance<DeleteScan>(host.Services, erasure).Run(request, scanId, Ct);

        outage.Failure = null;
        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(answer).Value);
        Assert.Equal((409, Problems.ErasureIncompleteType), (problem.Status, problem.Type));
        Assert.Contains($"The blobs of scan {scanId} are deleted", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("could not be checked (storage answered 503)", problem.Detail, StringComparison.Ordinal);
        Assert.Equal("30", request.HttpContext.Response.Headers.RetryAfter.ToString());
        Assert.Empty(await host.BlobNamesAsync(BlobLayout.ScansContainer, scanId));
        Assert.True((await store.GetAsync(scanId, "v1", Ct))!.IsDeleted);
    }

    [Fact]
    public async Task A_record_that_keeps_changing_before_the_blob_deletes_answers_erasure_incomplete_with_retry_after_and_no_blob_deleted()
    {
        // A passing contention (a worker writing the record in a loop), yet its 409 had no Retry-After while an outage's had.
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png());
        var (delete, store) = await DeleteOverContendedStoreAsync(host, contendedVersion: "v1", racing: null);
        await store.CreateAsync(new JobRecord { ScanId = scanId, ModelVersion = "v1", State = JobState.Queued, MessageId = "intake" }, Ct);
        var request = HttpRequests.Create("DELETE");

        var answer = await delete.Run(request, scanId, Ct);

        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(answer).Value);
        Assert.Equal((409, Problems.ErasureIncompleteType), (problem.Status, problem.Type));
        Assert.Contains("kept changing while it was being marked; no blob was deleted yet", problem.Detail, StringComparison.Ordinal);
        Assert.Equal("30", request.HttpContext.Response.Headers.RetryAfter.ToString());
        Assert.NotEmpty(await host.BlobNamesAsync(BlobLayout.ScansContainer, scanId));
    }

    [Fact]
    public async Task A_record_made_during_the_erasure_that_keeps_changing_answers_that_the_blobs_are_deleted_already()
    {
        // The record an intake made meanwhile is marked after the blob deletes: its answer said "no blob was deleted yet".
        // Made for another model version than the served one (v1), whose tombstone the erasure creates before the deletes.
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        var upload = await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png());
        var etag = (await upload.GetPropertiesAsync(cancellationToken: Ct)).Value.ETag.ToString();
        var racing = new JobRecord { ScanId = scanId, ModelVersion = "v2", State = JobState.Queued, SourceETag = etag, MessageId = "intake" };
        var (delete, _) = await DeleteOverContendedStoreAsync(host, contendedVersion: "v2", racing);
        var request = HttpRequests.Create("DELETE");

        var answer = await delete.Run(request, scanId, Ct);

        var problem = Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(answer).Value);
        Assert.Equal((409, Problems.ErasureIncompleteType), (problem.Status, problem.Type));
        Assert.DoesNotContain("no blob was deleted yet", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("kept changing while it was being marked; the scan's blobs are deleted already", problem.Detail, StringComparison.Ordinal);
        Assert.Equal("30", request.HttpContext.Response.Headers.RetryAfter.ToString());
        Assert.Empty(await host.BlobNamesAsync(BlobLayout.ScansContainer, scanId));
    }

    [Fact]
    public async Task Deleting_again_is_harmless_and_a_late_blob_event_for_the_deleted_upload_queues_nothing()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        var upload = await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png());
        await host.Function<ScanUploadedPolling>().Run(upload, Ct);
        var published = host.Get<Storage.Messaging.InMemoryScanJobPublisher>().Published.Count;

        var first = Assert.IsType<ScanErasure>(Assert.IsType<OkObjectResult>(await host.Function<DeleteScan>().Run(HttpRequests.Create("DELETE"), scanId, Ct)).Value);
        var second = Assert.IsType<ScanErasure>(Assert.IsType<OkObjectResult>(await host.Function<DeleteScan>().Run(HttpRequests.Create("DELETE"), scanId, Ct)).Value);
        await host.Function<ScanUploadedPolling>().Run(upload, Ct); // the trigger's event arrives once more

        Assert.Equal((1, 1), (first.JobsMarkedDeleted, first.UploadBlobsDeleted));
        Assert.Equal((0, 0, 0), (second.JobsMarkedDeleted, second.UploadBlobsDeleted, second.ResultBlobsDeleted));
        Assert.True((await host.Jobs.GetAsync(scanId, "v1", Ct))!.IsDeleted);
        Assert.Equal(published, host.Get<Storage.Messaging.InMemoryScanJobPublisher>().Published.Count);
    }

    [Fact]
    public async Task An_upload_erased_before_intake_made_any_record_leaves_a_tombstone_so_the_same_url_cannot_bring_it_back()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png());

        // DELETE before the blob event arrived: no record existed yet.
        var erased = Assert.IsType<ScanErasure>(Assert.IsType<OkObjectResult>(await host.Function<DeleteScan>().Run(HttpRequests.Create("DELETE"), scanId, Ct)).Value);
        // The portal's upload URL is still valid: the file is written again, and its event arrives.
        var again = await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png());
        var result = await host.Get<ScanIntakeService>().ProcessAsync(again, Ct);

        Assert.Equal((1, 1), (erased.JobsMarkedDeleted, erased.UploadBlobsDeleted));
        Assert.Equal(IntakeOutcome.Erased, result.Outcome);
        Assert.Empty(host.Get<Storage.Messaging.InMemoryScanJobPublisher>().Published);
        Assert.Empty(await host.BlobNamesAsync(BlobLayout.ScansContainer, scanId));
        Assert.True((await host.Jobs.ListForScanAsync(scanId, Ct)).Single().IsDeleted);
    }

    [Fact]
    public async Task A_delete_while_the_upload_is_still_staging_blocks_discards_them_and_closes_the_id()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        var upload = host.Blobs.GetBlobContainerClient(BlobLayout.ScansContainer).GetBlockBlobClient($"{scanId}/scan.png");
        var block = Convert.ToBase64String("block-0"u8);
        await upload.StageBlockAsync(block, new MemoryStream(ScanBytes.Png()), cancellationToken: Ct);

        var erased = Assert.IsType<ScanErasure>(Assert.IsType<OkObjectResult>(await host.Function<DeleteScan>().Run(HttpRequests.Create("DELETE"), scanId, Ct)).Value);

        Assert.Equal((1, 1), (erased.JobsMarkedDeleted, erased.UploadBlobsDeleted));
        Assert.True((await host.Jobs.ListForScanAsync(scanId, Ct)).Single().IsDeleted);
        Assert.Empty(await host.BlobNamesAsync(BlobLayout.ScansContainer, scanId));
        // The staged blocks are gone: the portal's commit with its still-valid upload URL names blocks that do not exist.
        var commit = await Assert.ThrowsAsync<Azure.RequestFailedException>(() => upload.CommitBlockListAsync([block], cancellationToken: Ct));
        Assert.Equal(400, commit.Status);
        // Staged and committed once more, the file reaches intake, which finds the tombstone and erases it unprocessed.
        await upload.StageBlockAsync(block, new MemoryStream(ScanBytes.Png()), cancellationToken: Ct);
        await upload.CommitBlockListAsync([block], cancellationToken: Ct);
        var result = await host.Get<ScanIntakeService>().ProcessAsync(host.Blobs.GetBlobContainerClient(BlobLayout.ScansContainer).GetBlobClient($"{scanId}/scan.png"), Ct);
        Assert.Equal(IntakeOutcome.Erased, result.Outcome);
        Assert.Empty(host.Get<Storage.Messaging.InMemoryScanJobPublisher>().Published);
        Assert.Empty(await host.BlobNamesAsync(BlobLayout.ScansContainer, scanId));
    }

    [Fact]
    public async Task A_delete_of_an_id_nothing_was_written_to_is_404_but_a_file_uploaded_to_it_later_is_erased_unprocessed()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();

        var answer = Assert.IsType<ObjectResult>(await host.Function<DeleteScan>().Run(HttpRequests.Create("DELETE"), scanId, Ct));
        var late = await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png());
        var result = await host.Get<ScanIntakeService>().ProcessAsync(late, Ct);

        Assert.Equal(404, answer.StatusCode);
        Assert.Equal(IntakeOutcome.Erased, result.Outcome);
        Assert.Empty(host.Get<Storage.Messaging.InMemoryScanJobPublisher>().Published);
        Assert.Empty(await host.BlobNamesAsync(BlobLayout.ScansContainer, scanId));
    }

    [Theory]
    [InlineData("a-foo")]
    [InlineData("a-0123456789ABCDEF0123456789ABCDEF")] // the length of an archive id, but not its lower-case hex
    public async Task An_id_that_only_starts_like_an_archive_id_is_closed_by_its_erasure_so_a_later_upload_under_it_is_erased_unprocessed(string prefix)
    {
        await using var host = await TestHost.CreateAsync(azurite);
        // Unique per test run, still not an archive id (BlobLayout.IsArchiveScanId).
        var scanId = prefix.Length == 34 ? prefix[..^4] + Guid.NewGuid().ToString("N")[..4].ToUpperInvariant() : prefix + Guid.NewGuid().ToString("N")[..8];
        Assert.False(BlobLayout.IsArchiveScanId(scanId));

        await host.Function<DeleteScan>().Run(HttpRequests.Create("DELETE"), scanId, Ct);
        var late = await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png());
        var result = await host.Get<ScanIntakeService>().ProcessAsync(late, Ct);

        Assert.Equal(IntakeOutcome.Erased, result.Outcome);
        Assert.Empty(host.Get<Storage.Messaging.InMemoryScanJobPublisher>().Published);
        Assert.Empty(await host.BlobNamesAsync(BlobLayout.ScansContainer, scanId));
    }

    [Fact]
    public async Task An_issued_id_written_in_upper_case_erases_the_scan_it_names()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png());
        await host.SucceededJobAsync(scanId);

        var answer = await host.Function<DeleteScan>().Run(HttpRequests.Create("DELETE"), scanId.ToUpperInvariant(), Ct);

        var erased = Assert.IsType<ScanErasure>(Assert.IsType<OkObjectResult>(answer).Value);
        Assert.Equal((scanId, 1, 1, 3), (erased.ScanId, erased.JobsMarkedDeleted, erased.UploadBlobsDeleted, erased.ResultBlobsDeleted));
        Assert.Empty(await host.BlobNamesAsync(BlobLayout.ScansContainer, scanId));
        Assert.Empty(await host.BlobNamesAsync(BlobLayout.ResultsContainer, scanId));
        Assert.True((await host.Jobs.GetAsync(scanId, "v1", Ct))!.IsDeleted);
    }

    [Fact]
    public async Task An_upload_its_sender_holds_an_infinite_lease_on_is_still_erased()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        var upload = await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png());
        await host.Function<ScanUploadedPolling>().Run(upload, Ct);
        // The upload SAS lets its holder lease the blob, which blocks a plain delete.
        await Azure.Storage.Blobs.Specialized.SpecializedBlobExtensions.GetBlobLeaseClient(upload).AcquireAsync(TimeSpan.FromSeconds(-1), cancellationToken: Ct);

        var erased = Assert.IsType<ScanErasure>(Assert.IsType<OkObjectResult>(await host.Function<DeleteScan>().Run(HttpRequests.Create("DELETE"), scanId, Ct)).Value);

        Assert.Equal(1, erased.UploadBlobsDeleted);
        Assert.Empty(await host.BlobNamesAsync(BlobLayout.ScansContainer, scanId));
    }

    [Fact]
    public async Task A_file_uploaded_under_an_erased_scan_id_is_erased_unprocessed_and_the_tombstone_stands()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        await host.Function<ScanUploadedPolling>().Run(await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png()), Ct);
        var erased = Assert.IsType<ScanErasure>(Assert.IsType<OkObjectResult>(await host.Function<DeleteScan>().Run(HttpRequests.Create("DELETE"), scanId, Ct)).Value);
        var publisher = host.Get<Storage.Messaging.InMemoryScanJobPublisher>();
        var published = publisher.Published.Count(p => p.Job.ScanId == scanId);

        // A portal still holding the upload URL issued before the erasure sends the file again (or another one).
        var stale = await host.UploadScanAsync($"{scanId}/again.png", ScanBytes.Png());
        var result = await host.Get<ScanIntakeService>().ProcessAsync(stale, Ct);

        Assert.Equal((IntakeOutcome.Erased, scanId), (result.Outcome, result.ScanId));
        Assert.Empty(await host.BlobNamesAsync(BlobLayout.ScansContainer, scanId));
        var record = (await host.Jobs.GetAsync(scanId, "v1", Ct))!;
        Assert.True(record.IsDeleted);
        Assert.Equal((JobRecord.DeletedMessageId, erased.DeletedAt), (record.MessageId, record.FinishedAt));
        Assert.Equal(published, publisher.Published.Count(p => p.Job.ScanId == scanId));
        // Nor can it be retried into processing.
        Assert.Equal(404, Assert.IsType<ObjectResult>(await host.Function<RetryScan>().Run(HttpRequests.Create("POST"), scanId, Ct)).StatusCode);
    }

    [Fact]
    public async Task A_rejection_intake_records_after_an_erasure_it_raced_leaves_the_tombstone_standing()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        await host.Function<ScanUploadedPolling>().Run(await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png()), Ct);
        var queued = (await host.Jobs.GetAsync(scanId, "v1", Ct))!;
        await host.Function<DeleteScan>().Run(HttpRequests.Create("DELETE"), scanId, Ct);
        var tombstone = (await host.Jobs.GetAsync(scanId, "v1", Ct))!;
        // The tombstone keeps no fingerprint of the erased file's bytes (a hash would confirm which file it was).
        Assert.NotNull(queued.SourceContentMd5);
        Assert.Null(tombstone.SourceContentMd5);

        // An intake that checked for an erasure before the DELETE and found the file unreadable records its rejection now.
        var recorded = await host.Get<JobSubmitter>().RejectAsync(new JobRecord
        {
            ScanId = scanId,
            ModelVersion = "v1",
            State = JobState.Failed,
            ErrorCode = "UnknownFormat",
            Origin = JobOrigin.Upload,
            SourceETag = "\"0x2\"",
            MessageId = $"{scanId}:0x2:v1",
        }, Ct);

        var stored = (await host.Jobs.GetAsync(scanId, "v1", Ct))!;
        Assert.True(recorded!.IsDeleted);
        Assert.True(stored.IsDeleted);
        Assert.Equal((tombstone.MessageId, tombstone.ETag), (stored.MessageId, stored.ETag));
    }

    [Fact]
    public async Task An_unreadable_upload_whose_scan_is_erased_while_intake_checks_it_is_removed_unprocessed()
    {
        var scanId = ScanBytes.NewScanId();
        await using var host = await TestHost.CreateAsync(azurite, jobStore: (table, time) => new ErasedDuringIntakeStore(table, time));
        var upload = await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Text());

        var result = await host.Get<ScanIntakeService>().ProcessAsync(upload, Ct);

        Assert.Equal((IntakeOutcome.Erased, scanId), (result.Outcome, result.ScanId));
        Assert.Empty(await host.BlobNamesAsync(BlobLayout.ScansContainer, scanId));
        var record = (await host.Jobs.GetAsync(scanId, "v1", Ct))!;
        Assert.True(record.IsDeleted);
        Assert.Equal(JobRecord.DeletedMessageId, record.MessageId);
    }

    /// <summary>
    /// A DELETE that lands just after intake's erasure check: the tombstone it leaves is written once intake's listing of
    /// the scan's records has answered without it, so intake goes on to record the upload and meets the tombstone there.
    /// </summary>
    private sealed class ErasedDuringIntakeStore(Azure.Data.Tables.TableClient table, TimeProvider time) : JobStore(table, time)
    {
        private readonly TimeProvider erasedAt = time;
        private int listings;

        public override async Task<IReadOnlyList<JobRecord>> ListForScanAsync(string scanId, CancellationToken cancellationToken = default)
        {
            var records = await base.ListForScanAsync(scanId, cancellationToken);
            if (Interlocked.Increment(ref listings) == 1)
            {
                var now = erasedAt.GetUtcNow();
                await CreateAsync(JobRecord.Tombstone(new JobRecord { ScanId = scanId, ModelVersion = "v1", CreatedAt = now }, now), cancellationToken);
            }

            return records;
        }
    }

    [Fact]
    public async Task A_retry_that_finds_a_file_sent_after_the_erasure_erases_it_and_answers_upload_gone()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        await host.Function<ScanUploadedPolling>().Run(await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png()), Ct);
        await host.Function<DeleteScan>().Run(HttpRequests.Create("DELETE"), scanId, Ct);
        await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png()); // its blob event has not been handled yet

        var answer = Assert.IsType<ObjectResult>(await host.Function<RetryScan>().Run(HttpRequests.Create("POST"), scanId, Ct));

        Assert.Equal(404, answer.StatusCode);
        Assert.Empty(await host.BlobNamesAsync(BlobLayout.ScansContainer, scanId));
        Assert.True((await host.Jobs.GetAsync(scanId, "v1", Ct))!.IsDeleted);
    }

    [Fact]
    public async Task An_unknown_scan_is_404_an_archive_scan_409_and_a_malformed_id_400_and_the_archive_scan_is_untouched()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var archive = "a-" + ScanBytes.NewScanId();
        await host.Jobs.CreateAsync(new JobRecord { ScanId = archive, ModelVersion = "v1", State = JobState.Succeeded, Origin = JobOrigin.Bulk }, Ct);
        var delete = host.Function<DeleteScan>();

        int Status(IActionResult result) => Assert.IsType<ObjectResult>(result).StatusCode!.Value;

        Assert.Equal(404, Status(await delete.Run(HttpRequests.Create("DELETE"), ScanBytes.NewScanId(), Ct)));
        var archiveAnswer = await delete.Run(HttpRequests.Create("DELETE"), archive, Ct);
        Assert.Equal(409, Status(archiveAnswer));
        // Its own problem type: final until the owner deletes the source, unlike the 409 that asks for a repeat.
        Assert.Equal(Problems.ArchiveHoldsSourceType, Assert.IsType<ProblemDetails>(Assert.IsType<ObjectResult>(archiveAnswer).Value).Type);
        Assert.Equal(400, Status(await delete.Run(HttpRequests.Create("DELETE"), "not a scan id", Ct)));
        Assert.Equal(JobState.Succeeded, (await host.Jobs.GetAsync(archive, "v1", Ct))!.State);
    }

    [Fact]
    public async Task An_archive_id_without_records_is_404_and_leaves_no_tombstone_that_would_claim_it_closed()
    {
        // Tombstones close upload ids only: the next reprocessing run would process the archive file whatever its id holds.
        await using var host = await TestHost.CreateAsync(azurite);
        var archive = "a-" + Guid.NewGuid().ToString("N");

        var answer = Assert.IsType<ObjectResult>(await host.Function<DeleteScan>().Run(HttpRequests.Create("DELETE"), archive, Ct));

        Assert.Equal(404, answer.StatusCode);
        var detail = Assert.IsType<ProblemDetails>(answer.Value).Detail!;
        Assert.Contains("nothing was changed", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("closed", detail, StringComparison.Ordinal);
        Assert.Empty(await host.Jobs.ListForScanAsync(archive, Ct));
    }

    [Fact]
    public async Task A_record_a_worker_writes_during_the_erasure_is_read_again_and_still_marked()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        var created = (await host.Jobs.CreateAsync(new JobRecord { ScanId = scanId, ModelVersion = "v1", State = JobState.Queued, MessageId = "m1" }, Ct)).Record!;
        var stale = created;
        // A worker starts the job after the erasure listed the record: the erasure's first write meets a moved ETag.
        await host.Jobs.TransitionAsync(created, JobState.Processing, r => r with { Attempts = 1 }, Ct);

        var conflict = await host.Jobs.MarkDeletedAsync(stale, DateTimeOffset.UtcNow, Ct);
        var (outcome, erased) = await host.Get<ScanErasureService>().EraseAsync(scanId, Ct);

        Assert.Equal(JobWriteOutcome.Conflict, conflict.Outcome);
        Assert.Equal(ScanErasureOutcome.Deleted, outcome);
        Assert.Equal(1, erased!.JobsMarkedDeleted);
        Assert.True((await host.Jobs.GetAsync(scanId, "v1", Ct))!.IsDeleted);
    }

    [Fact]
    public async Task An_archive_scan_is_erased_only_once_its_owner_removed_it_from_the_archive()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = "a-" + ScanBytes.NewScanId();
        var source = host.Blobs.GetBlobContainerClient(BlobLayout.ArchiveContainer).GetBlobClient($"2024/{scanId}.png");
        await source.UploadAsync(BinaryData.FromBytes(ScanBytes.Png()), Ct);
        var results = host.Blobs.GetBlobContainerClient(BlobLayout.ResultsContainer);
        await results.UploadBlobAsync(BlobLayout.ResultsPrefix(scanId, "v1", "0x1") + BlobLayout.ReportFile, BinaryData.FromString("{}"), Ct);
        await host.Jobs.CreateAsync(new JobRecord { ScanId = scanId, ModelVersion = "v1", State = JobState.Succeeded, Origin = JobOrigin.Bulk, SourceBlobUri = source.Uri }, Ct);
        var delete = host.Function<DeleteScan>();

        var whileArchived = Assert.IsType<ObjectResult>(await delete.Run(HttpRequests.Create("DELETE"), scanId, Ct));
        var resultsWhileArchived = await host.BlobNamesAsync(BlobLayout.ResultsContainer, scanId);
        await source.DeleteAsync(cancellationToken: Ct); // the archive's owner erases the source
        var erased = Assert.IsType<ScanErasure>(Assert.IsType<OkObjectResult>(await delete.Run(HttpRequests.Create("DELETE"), scanId, Ct)).Value);

        Assert.Equal(409, whileArchived.StatusCode);
        Assert.Single(resultsWhileArchived);
        Assert.Equal((1, 0, 1), (erased.JobsMarkedDeleted, erased.UploadBlobsDeleted, erased.ResultBlobsDeleted));
        Assert.Empty(await host.BlobNamesAsync(BlobLayout.ResultsContainer, scanId));
        var tombstone = (await host.Jobs.GetAsync(scanId, "v1", Ct))!;
        Assert.True(tombstone.IsDeleted);
        Assert.Null(tombstone.SourceBlobUri); // the owner's file name does not outlive the erasure

        // Without the name the tombstone holds no source, so deleting again is the usual harmless 200.
        var again = Assert.IsType<ScanErasure>(Assert.IsType<OkObjectResult>(await delete.Run(HttpRequests.Create("DELETE"), scanId, Ct)).Value);
        Assert.Equal((0, 0, 0), (again.JobsMarkedDeleted, again.UploadBlobsDeleted, again.ResultBlobsDeleted));
    }

    [Fact]
    public async Task An_archive_job_that_found_its_source_gone_holds_nothing_and_is_erased_on_request()
    {
        // A bulk run listed the file just before its owner deleted it: the worker found the source gone and forgot its name.
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = "a-" + ScanBytes.NewScanId();
        await host.Jobs.CreateAsync(new JobRecord { ScanId = scanId, ModelVersion = "v1", State = JobState.Failed, ErrorCode = JobRecord.SourceMissingErrorCode, Origin = JobOrigin.Bulk }, Ct);
        var delete = host.Function<DeleteScan>();

        var erased = Assert.IsType<ScanErasure>(Assert.IsType<OkObjectResult>(await delete.Run(HttpRequests.Create("DELETE"), scanId, Ct)).Value);

        Assert.Equal(1, erased.JobsMarkedDeleted);
        Assert.True((await host.Jobs.GetAsync(scanId, "v1", Ct))!.IsDeleted);
    }

    [Fact]
    public async Task A_record_an_intake_creates_for_the_upload_while_it_is_being_erased_becomes_a_tombstone_too()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        var upload = await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png());
        var etag = (await upload.GetPropertiesAsync(cancellationToken: Ct)).Value.ETag.ToString();
        var table = new Azure.Data.Tables.TableClient(azurite.ConnectionString, "jobs" + Guid.NewGuid().ToString("N")[..12]);
        await table.CreateIfNotExistsAsync(Ct);
        var store = new IntakeRacingStore(table, new JobRecord { ScanId = scanId, ModelVersion = "v1", State = JobState.Queued, SourceETag = etag, MessageId = "intake" });
        var erasure = new ScanErasureService(host.Blobs, store, new ScanJobRows(table), host.Get<Microsoft.Extensions.Options.IOptions<Synomaly.Functions.Options.IntakeOptions>>(), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<ScanErasureService>.Instance);

        var (outcome, erased) = await erasure.EraseAsync(scanId, Ct);

        Assert.Equal(ScanErasureOutcome.Deleted, outcome);
        Assert.Equal((1, 1), (erased!.JobsMarkedDeleted, erased.UploadBlobsDeleted));
        Assert.True((await store.GetAsync(scanId, "v1", Ct))!.IsDeleted);
    }

    [Fact]
    public async Task A_scan_whose_record_this_version_cannot_read_is_erased_all_the_same_and_the_record_becomes_a_tombstone()
    {
        // Listing the scan's records threw on the unreadable one: the erasure failed on every attempt (the archive
        // deletion's queue message ended in the poison queue), and the patient's upload and results stayed.
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = ScanBytes.NewScanId();
        await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png());
        await host.SucceededJobAsync(scanId);
        await host.Jobs.CreateAsync(new JobRecord { ScanId = scanId, ModelVersion = "v0", State = JobState.Failed, ErrorCode = "ModelVersionMismatch" }, Ct);
        await host.WriteUnreadableJobRecordAsync(scanId, "v1", new() { ["State"] = "Paused", ["SourceBlobUri"] = "patient qzxw/scan.dcm" });
        await Assert.ThrowsAsync<InvalidJobRecordException>(() => host.Jobs.GetAsync(scanId, "v1", Ct));

        var answer = await host.Function<DeleteScan>().Run(HttpRequests.Create("DELETE"), scanId, Ct);

        var erased = Assert.IsType<ScanErasure>(Assert.IsType<OkObjectResult>(answer).Value);
        Assert.Equal((2, 1, 3), (erased.JobsMarkedDeleted, erased.UploadBlobsDeleted, erased.ResultBlobsDeleted));
        Assert.Empty(await host.BlobNamesAsync(BlobLayout.ScansContainer, scanId));
        Assert.Empty(await host.BlobNamesAsync(BlobLayout.ResultsContainer, scanId));
        foreach (var version in new[] { "v1", "v0" })
        {
            var record = (await host.Jobs.GetAsync(scanId, version, Ct))!;
            Assert.True(record.IsDeleted);
            Assert.Equal((JobRecord.DeletedMessageId, (Uri?)null), (record.MessageId, record.SourceBlobUri));
        }
    }

    [Fact]
    public async Task An_archive_scans_unreadable_record_counts_as_held_on_request_and_is_erased_once_its_owner_deletes_the_source()
    {
        // Its source cannot be read, so whether the archive still holds it cannot be told: on request it is held, as any
        // source this app cannot name; the owner's deletion (which triggers the erasure) must get past it.
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = "a-" + Guid.NewGuid().ToString("N");
        await host.Jobs.CreateAsync(new JobRecord { ScanId = scanId, ModelVersion = "v1", State = JobState.Succeeded, Origin = JobOrigin.Bulk }, Ct);
        await host.WriteUnreadableJobRecordAsync(scanId, "v1", new() { ["Origin"] = "Replay" });

        var requested = Assert.IsType<ObjectResult>(await host.Function<DeleteScan>().Run(HttpRequests.Create("DELETE"), scanId, Ct));
        var (outcome, erased) = await host.Get<ScanErasureService>().EraseAsync(scanId, Ct, ErasureReason.ArchiveSourceDeleted);

        Assert.Equal((409, Problems.ArchiveHoldsSourceType), (requested.StatusCode, Assert.IsType<ProblemDetails>(requested.Value).Type));
        Assert.Equal((ScanErasureOutcome.Deleted, 1), (outcome, erased!.JobsMarkedDeleted));
        Assert.True((await host.Jobs.GetAsync(scanId, "v1", Ct))!.IsDeleted);
    }

    /// <summary>An intake that read the upload before the erasure deleted it creates its record right after the first listing.</summary>
    /// <summary>The DELETE as the host builds it, but with blob deletes in the results container failing as the outage says, and its erasure's log captured.</summary>
    private static (DeleteScan Delete, BlobOutage Outage, CapturingLogger<ScanErasureService> Log) DeleteFailingOnResults(TestHost host)
    {
        var outage = new BlobOutage { Only = r => r.Method == Azure.Core.RequestMethod.Delete && r.Uri.Path.Contains($"/{BlobLayout.ResultsContainer}/", StringComparison.Ordinal) };
        var log = new CapturingLogger<ScanErasureService>();
        var erasure = ActivatorUtilities.CreateInstance<ScanErasureService>(host.Services, new BlobServiceClient(host.ConnectionString, outage.Options()), log);
        return (ActivatorUtilities.CreateInstance<DeleteScan>(host.Services, erasure), outage, log);
    }

    /// <summary>A lease holder that takes a lease on each of the blobs again before every delete in their container.</summary>
    private sealed class LeaseTakenAgain(BlobContainerClient container, IReadOnlyList<string> names) : Azure.Core.Pipeline.HttpPipelineSynchronousPolicy
    {
        public bool Stopped { get; set; }

        public override void OnSendingRequest(Azure.Core.HttpMessage message)
        {
            if (Stopped || message.Request.Method != Azure.Core.RequestMethod.Delete)
            {
                return;
            }

            foreach (var name in names)
            {
                try
                {
                    container.GetBlobClient(name).GetBlobLeaseClient().Acquire(BlobLeaseClient.InfiniteLeaseDuration);
                }
                catch (Azure.RequestFailedException e) when (e.ErrorCode == "LeaseAlreadyPresent")
                {
                }
            }
        }
    }

    /// <summary>The DELETE over a job table of its own (<see cref="ContendedStore"/>).</summary>
    private async Task<(DeleteScan Delete, JobStore Store)> DeleteOverContendedStoreAsync(TestHost host, string contendedVersion, JobRecord? racing)
    {
        var table = new Azure.Data.Tables.TableClient(azurite.ConnectionString, "jobs" + Guid.NewGuid().ToString("N")[..12]);
        await table.CreateIfNotExistsAsync(Ct);
        var store = new ContendedStore(table, contendedVersion, racing);
        var erasure = new ScanErasureService(host.Blobs, store, new ScanJobRows(table), host.Get<Microsoft.Extensions.Options.IOptions<Synomaly.Functions.Options.IntakeOptions>>(), TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<ScanErasureService>.Instance);
        return (ActivatorUtilities.CreateInstance<DeleteScan>(host.Services, erasure), store);
    }

    /// <summary>
    /// A job table where the record of one model version changes before every write of the erasure (a worker writing it in
    /// a loop), and where an intake creates <c>racing</c>, when given, right after the erasure's first listing.
    /// </summary>
    private sealed class ContendedStore(Azure.Data.Tables.TableClient table, string contendedVersion, JobRecord? racing) : JobStore(table)
    {
        private int listings;

        public override async Task<IReadOnlyList<JobRecord>> ListForScanAsync(string scanId, CancellationToken cancellationToken = default)
        {
            var listed = await base.ListForScanAsync(scanId, cancellationToken);
            if (Interlocked.Increment(ref listings) == 1 && racing is not null)
            {
                await CreateAsync(racing, cancellationToken);
            }

            return listed;
        }

        public override Task<JobWriteResult> MarkDeletedAsync(JobRecord current, DateTimeOffset deletedAt, CancellationToken cancellationToken = default) =>
            current.ModelVersion == contendedVersion
                ? Task.FromResult(new JobWriteResult(JobWriteOutcome.Conflict, current))
                : base.MarkDeletedAsync(current, deletedAt, cancellationToken);
    }

    /// <summary>A job table that starts failing (storage busy) when the erasure reads the scan's records again, after the blob deletes.</summary>
    private sealed class OutageOnRereadStore(Azure.Data.Tables.TableClient table, TableOutage outage) : JobStore(table)
    {
        private int listings;

        public override Task<IReadOnlyList<JobRecord>> ListForScanAsync(string scanId, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref listings) > 1)
            {
                outage.Failure = () => new Azure.RequestFailedException(503, "The server is busy.", "ServerBusy", null);
            }

            return base.ListForScanAsync(scanId, cancellationToken);
        }
    }

    private sealed class IntakeRacingStore(Azure.Data.Tables.TableClient table, JobRecord racing) : JobStore(table)
    {
        private int listings;

        public override async Task<IReadOnlyList<JobRecord>> ListForScanAsync(string scanId, CancellationToken cancellationToken = default)
        {
            var listed = await base.ListForScanAsync(scanId, cancellationToken);
            if (Interlocked.Increment(ref listings) == 1)
            {
                await CreateAsync(racing, cancellationToken);
            }

            return listed;
        }
    }
}
