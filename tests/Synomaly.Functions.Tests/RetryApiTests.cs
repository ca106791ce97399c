using Microsoft.AspNetCore.Mvc;
using Synomaly.Contracts;
using Synomaly.Functions.Http;
using Synomaly.Functions.Services.Intake;
using Synomaly.Functions.Services.Jobs;
using Synomaly.Functions.Services.Status;
using Synomaly.Functions.Triggers;
using Synomaly.Storage.Jobs;
using Synomaly.Storage.Messaging;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary><c>POST /api/scans/{scanId}/retry</c>: only Failed uploads go through intake again.</summary>
[Trait("Category", "Integration")]
public sealed class RetryApiTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_failed_upload_is_queued_again_and_published_once_more()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = await host.FailedUploadAsync();

        var answer = await host.Function<RetryScan>().Run(HttpRequests.Create("POST"), scanId, Ct);
        var again = await host.Function<RetryScan>().Run(HttpRequests.Create("POST"), scanId, Ct);

        var accepted = Assert.IsType<AcceptedResult>(answer);
        Assert.Equal($"/api/scans/{scanId}", accepted.Location);
        var status = Assert.IsType<ScanStatus>(accepted.Value);
        Assert.Equal((JobState.Queued, null), (status.State, status.Error));
        var messages = host.Get<InMemoryScanJobPublisher>().Published.Where(p => p.Job.ScanId == scanId).Select(p => p.Job.MessageId).ToList();
        Assert.Equal(2, messages.Count);
        // A new message id: Service Bus would drop a repeat of the failed attempt's id inside its duplicate-detection window.
        Assert.NotEqual(messages[0], messages[1]);
        Assert.StartsWith(messages[0] + ":r", messages[1], StringComparison.Ordinal);
        Assert.Equal(messages[1], (await host.Jobs.GetAsync(scanId, "v1", Ct))!.MessageId);
        // The job is Queued now: a second retry finds nothing to retry and publishes nothing.
        Assert.Equal(409, Assert.IsType<ObjectResult>(again).StatusCode);
        Assert.Equal(2, host.Get<InMemoryScanJobPublisher>().Published.Count(p => p.Job.ScanId == scanId));
    }

    [Fact]
    public async Task A_retry_takes_the_scans_upload_in_again_not_a_stray_blob_listed_before_it_in_its_folder()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = await host.FailedUploadAsync();
        // Written by someone with access to the container, not by the upload URL (one blob name); it lists first.
        await host.UploadScanAsync($"{scanId}/a/b", ScanBytes.Dicom());

        var answer = await host.Function<RetryScan>().Run(HttpRequests.Create("POST"), scanId, Ct);

        var status = Assert.IsType<ScanStatus>(Assert.IsType<AcceptedResult>(answer).Value);
        Assert.Equal((JobState.Queued, null), (status.State, status.Error));
        var retried = host.Get<InMemoryScanJobPublisher>().Published.Last(p => p.Job.ScanId == scanId).Job;
        Assert.True(BlobLayout.IsUploadOf(scanId, new Azure.Storage.Blobs.BlobUriBuilder(retried.SourceBlobUri).BlobName));
    }

    [Fact]
    public async Task An_issued_id_written_in_upper_case_retries_the_scan_it_names()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = await host.FailedUploadAsync();

        var answer = await host.Function<RetryScan>().Run(HttpRequests.Create("POST"), scanId.ToUpperInvariant(), Ct);

        var accepted = Assert.IsType<AcceptedResult>(answer);
        Assert.Equal($"/api/scans/{scanId}", accepted.Location);
        Assert.Equal(JobState.Queued, (await host.Jobs.GetAsync(scanId, "v1", Ct))!.State);
    }

    [Fact]
    public async Task A_retry_whose_job_cannot_be_published_answers_503_with_the_cause_and_leaves_the_job_failed_for_the_next_retry()
    {
        var publisher = new OutagePublisher();
        await using var host = await TestHost.CreateAsync(azurite, publisher: publisher);
        var scanId = await host.FailedUploadAsync();
        var failed = (await host.Jobs.GetAsync(scanId, "v1", Ct))!;

        publisher.FailsFor = job => job.ScanId == scanId;
        var refused = await host.Function<RetryScan>().Run(HttpRequests.Create("POST"), scanId, Ct);
        var afterOutage = (await host.Jobs.GetAsync(scanId, "v1", Ct))!;
        publisher.FailsFor = _ => false;
        var accepted = await host.Function<RetryScan>().Run(HttpRequests.Create("POST"), scanId, Ct);

        var problem = Assert.IsType<ObjectResult>(refused);
        Assert.Equal(503, problem.StatusCode);
        Assert.Contains("application/problem+json", problem.ContentTypes);
        var details = Assert.IsType<ProblemDetails>(problem.Value);
        Assert.Equal(Problems.PublishFailedType, details.Type);
        Assert.Contains("RequestFailedException 503 ServerBusy", details.Detail, StringComparison.Ordinal);
        // Put back as it was: Failed with its reason and its own message id, not Queued under a message never sent.
        Assert.Equal((JobState.Failed, "StorageUnavailable", failed.MessageId, failed.FinishedAt), (afterOutage.State, afterOutage.ErrorCode, afterOutage.MessageId, afterOutage.FinishedAt));
        var status = Assert.IsType<ScanStatus>(Assert.IsType<AcceptedResult>(accepted).Value);
        Assert.Equal(JobState.Queued, status.State);
        Assert.NotNull(status.Timings.QueuedAt);
        Assert.Equal(2, publisher.Published.Count(p => p.Job.ScanId == scanId));
    }

    [Fact]
    public async Task A_duplicate_blob_event_while_a_retry_is_being_published_leaves_the_retry_its_reservation()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = await host.FailedUploadAsync();
        var published = host.Get<InMemoryScanJobPublisher>();
        var original = published.Published.Single(p => p.Job.ScanId == scanId).Job;
        var submitter = host.Get<JobSubmitter>();

        // The retry has reserved the record under its own id and is between reservation and confirmation when the
        // upload's blob event arrives once more (the polling trigger and Event Grid both repeat events).
        var retry = original with { Retry = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() };
        var reservation = await submitter.ReserveAsync(retry, runId: null, Ct, retryFailed: true);
        var duplicate = await submitter.SubmitAsync(original, runId: null, scheduledEnqueueTime: null, Ct);
        await published.PublishAsync(retry, null, Ct);
        var confirmed = await submitter.ConfirmPublishedAsync(reservation, null, Ct);

        Assert.Equal(SkipReason.Duplicate, duplicate.Skipped);
        Assert.Single(published.Published, p => p.Job.MessageId == original.MessageId); // the first submission only
        Assert.Equal((JobState.Queued, retry.MessageId), (confirmed.State, confirmed.MessageId));
        Assert.NotNull(confirmed.QueuedAt);
    }

    [Fact]
    public async Task A_retry_reservation_left_unpublished_past_the_timeout_is_taken_over_under_the_retrys_id_which_duplicate_detection_lets_through()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        var serviceBus = new DuplicateDetectingPublisher(clock);
        await using var host = await TestHost.CreateAsync(azurite, publisher: serviceBus, clock: clock, ownStorageAccount: true);
        var uploaded = clock.Now;
        var scanId = await host.FailedUploadAsync(); // published at once, and failed quickly by the worker
        var original = serviceBus.Delivered.Single(p => p.Job.ScanId == scanId).Job;

        // The operator retries within the hour; the retry reserves the record under its own id, and its process dies
        // before it publishes.
        clock.Now = uploaded + TimeSpan.FromMinutes(10);
        var retry = original with { Retry = clock.Now.ToUnixTimeMilliseconds() };
        await host.Get<JobSubmitter>().ReserveAsync(retry, runId: null, Ct, retryFailed: true);
        clock.Now += JobSubmitter.ReservationTimeout + TimeSpan.FromMinutes(1);
        var sweep = await host.Get<UploadReconciler>().RunAsync(Ct);

        Assert.Contains(scanId, sweep.Resubmitted);
        var record = (await host.Jobs.GetAsync(scanId, "v1", Ct))!;
        // A worker receives the message the record waits for. Taken over under the first id, it was dropped as a repeat
        // inside the duplicate-detection window, and the job waited two days for the expiry sweep.
        Assert.Contains(serviceBus.Delivered, p => p.Job.MessageId == record.MessageId && p.SentAt > uploaded + TimeSpan.FromMinutes(6));
        Assert.Empty(serviceBus.Dropped);
        Assert.Equal((JobState.Queued, retry.MessageId), (record.State, record.MessageId));
        Assert.NotNull(record.QueuedAt);
    }

    [Fact]
    public async Task Unknown_succeeded_archive_and_vanished_scans_are_refused_with_the_reason()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var queued = ScanBytes.NewScanId();
        await host.Function<ScanUploadedPolling>().Run(await host.UploadScanAsync($"{queued}/scan.png", ScanBytes.Png()), Ct);
        var archive = "a-" + ScanBytes.NewScanId();
        await host.Jobs.CreateAsync(new JobRecord { ScanId = archive, ModelVersion = "v1", State = JobState.Failed, Origin = JobOrigin.Bulk, ErrorCode = "Malformed" }, Ct);
        var vanished = await host.FailedUploadAsync();
        await host.Blobs.GetBlobContainerClient(BlobLayout.ScansContainer).GetBlobClient($"{vanished}/scan.png").DeleteAsync(cancellationToken: Ct);

        int Status(IActionResult result) => Assert.IsType<ObjectResult>(result).StatusCode!.Value;
        var retry = host.Function<RetryScan>();

        Assert.Equal(404, Status(await retry.Run(HttpRequests.Create("POST"), ScanBytes.NewScanId(), Ct)));
        Assert.Equal(409, Status(await retry.Run(HttpRequests.Create("POST"), queued, Ct)));
        Assert.Equal(409, Status(await retry.Run(HttpRequests.Create("POST"), archive, Ct)));
        Assert.Equal(404, Status(await retry.Run(HttpRequests.Create("POST"), vanished, Ct)));
        Assert.Equal(400, Status(await retry.Run(HttpRequests.Create("POST"), "not a scan id", Ct)));
        Assert.Single(host.Get<InMemoryScanJobPublisher>().Published, p => p.Job.ScanId == queued);
    }

    [Fact]
    public async Task A_retry_whose_upload_is_deleted_while_intake_reads_it_answers_409_not_a_resubmission_of_a_job_still_failed()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = await host.FailedUploadAsync();
        var retry = new ScanRetryService(
            host.Jobs,
            new DeletingOnLookupBlobService(host.ConnectionString),
            host.Get<ScanIntakeService>(),
            host.Get<Microsoft.Extensions.Options.IOptions<Synomaly.Functions.Options.IntakeOptions>>(),
            Microsoft.Extensions.Logging.Abstractions.NullLogger<ScanRetryService>.Instance);

        var answer = Assert.IsType<ObjectResult>(await ActivatorUtilitiesCreate(host, retry).Run(HttpRequests.Create("POST"), scanId, Ct));

        Assert.Equal(409, answer.StatusCode);
        var problem = Assert.IsType<ProblemDetails>(answer.Value);
        Assert.Contains("deleted or replaced", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("Failed", problem.Detail, StringComparison.Ordinal);
        Assert.Equal(JobState.Failed, (await host.Jobs.GetAsync(scanId, "v1", Ct))!.State);
        Assert.Single(host.Get<InMemoryScanJobPublisher>().Published, p => p.Job.ScanId == scanId);
    }

    private static RetryScan ActivatorUtilitiesCreate(TestHost host, ScanRetryService retry) =>
        Microsoft.Extensions.DependencyInjection.ActivatorUtilities.CreateInstance<RetryScan>(host.Services, retry);

    /// <summary>Azurite, where the retry's upload is deleted just after the retry found it in its folder (by its owner, or a lifecycle rule).</summary>
    private sealed class DeletingOnLookupBlobService : Azure.Storage.Blobs.BlobServiceClient
    {
        private readonly string connectionString;

        public DeletingOnLookupBlobService(string connectionString)
            : base(connectionString)
        {
            this.connectionString = connectionString;
        }

        public override Azure.Storage.Blobs.BlobContainerClient GetBlobContainerClient(string blobContainerName) =>
            new DeletingOnLookupContainer(connectionString, blobContainerName);
    }

    private sealed class DeletingOnLookupContainer(string connectionString, string name) : Azure.Storage.Blobs.BlobContainerClient(connectionString, name)
    {
        public override Azure.Storage.Blobs.BlobClient GetBlobClient(string blobName)
        {
            var blob = base.GetBlobClient(blobName);
            blob.DeleteIfExists(cancellationToken: TestContext.Current.CancellationToken);
            return blob;
        }
    }

    [Fact]
    public async Task Without_a_retry_a_failed_upload_stays_failed_when_intake_sees_it_again()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = await host.FailedUploadAsync();
        var blob = host.Blobs.GetBlobContainerClient(BlobLayout.ScansContainer).GetBlobClient($"{scanId}/scan.png");

        await host.Function<ScanUploadedPolling>().Run(blob, Ct);

        Assert.Equal(JobState.Failed, (await host.Jobs.GetAsync(scanId, "v1", Ct))!.State);
        Assert.Single(host.Get<InMemoryScanJobPublisher>().Published, p => p.Job.ScanId == scanId);
    }
    [Fact]
    public async Task A_retry_that_another_retry_got_ahead_of_says_so_rather_than_reporting_a_resubmission()
    {
        // Two retries read the same Failed record; the second's intake found the job queued already and published nothing,
        // yet it answered 202 Resubmitted: the caller was told it had queued the job.
        await using var host = await TestHost.CreateAsync(azurite);
        var scanId = await host.FailedUploadAsync();
        var failed = (await host.Jobs.GetAsync(scanId, "v1", Ct))!;
        var retry = host.Get<ScanRetryService>();
        Assert.Equal(RetryOutcome.Resubmitted, (await retry.RetryAsync(failed, Ct)).Outcome);
        var published = host.Get<InMemoryScanJobPublisher>().Published.Count;

        var late = await retry.RetryAsync(failed, Ct);

        Assert.Equal((RetryOutcome.AlreadyHandled, JobState.Queued), (late.Outcome, late.Record!.State));
        Assert.Equal(published, host.Get<InMemoryScanJobPublisher>().Published.Count);
    }
}
