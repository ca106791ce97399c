using Synomaly.Contracts;
using Synomaly.Functions.Services.Jobs;
using Synomaly.Storage.Jobs;
using Synomaly.Storage.Messaging;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>
/// A published job's record says so (QueuedAt) even when a worker took its message before the publisher confirmed it,
/// and a job a worker has started is never published a second time, confirmed or not.
/// </summary>
[Trait("Category", "Integration")]
public sealed class PublishConfirmationTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_confirm_that_comes_after_the_worker_started_the_job_still_records_when_it_was_published()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var submitter = host.Get<JobSubmitter>();
        var job = NewJob();

        // A bulk run publishes a slice and only then confirms it job by job: the worker can be faster.
        var reservation = await submitter.ReserveAsync(job, runId: "run1", Ct);
        await host.Get<InMemoryScanJobPublisher>().PublishAsync(reservation.Job!, null, Ct);
        await WorkerStartsAsync(host, job);
        var confirmed = await submitter.ConfirmPublishedAsync(reservation, null, Ct);

        Assert.Equal(JobState.Processing, confirmed.State);
        Assert.NotNull(confirmed.QueuedAt);
        Assert.NotNull((await host.Jobs.GetAsync(job.ScanId, "v1", Ct))!.QueuedAt);
    }

    [Fact]
    public async Task A_job_sent_back_to_queued_by_the_worker_is_not_published_again_though_its_publish_was_never_confirmed()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var submitter = host.Get<JobSubmitter>();
        var published = host.Get<InMemoryScanJobPublisher>();
        var job = NewJob();

        // The publisher died between publishing and confirming; the worker then took the message and will retry it.
        var reservation = await submitter.ReserveAsync(job, runId: null, Ct);
        await published.PublishAsync(reservation.Job!, null, Ct);
        var processing = await WorkerStartsAsync(host, job);
        await host.Jobs.TransitionAsync(processing, JobState.Queued, r => r with { ErrorCode = "StorageUnavailable" }, Ct);

        // The upload's event comes again (or the reconciliation, or another bulk run, looks at the same version).
        var again = await submitter.SubmitAsync(job, runId: null, scheduledEnqueueTime: null, Ct);

        Assert.Equal(SkipReason.Duplicate, again.Skipped);
        Assert.Single(published.Published, p => p.Job.ScanId == job.ScanId);
    }

    [Fact]
    public async Task A_started_job_queued_again_for_a_new_upload_keeps_neither_the_start_nor_the_claim_of_the_old_message()
    {
        await using var host = await TestHost.CreateAsync(azurite);
        var submitter = host.Get<JobSubmitter>();
        var job = NewJob();
        var reservation = await submitter.ReserveAsync(job, runId: null, Ct);
        await host.Get<InMemoryScanJobPublisher>().PublishAsync(reservation.Job!, null, Ct);
        Assert.NotNull((await WorkerStartsAsync(host, job)).ClaimedBy);

        // The file is uploaded again while the worker runs the old version: the record now stands for the new message.
        var replaced = await submitter.ReserveAsync(job with { SourceETag = "0x8DC0000000000B2" }, runId: null, Ct);

        Assert.Equal(JobState.Queued, replaced.Record.State);
        Assert.Equal((null, null), (replaced.Record.StartedAt, replaced.Record.ClaimedBy));
    }

    private static ScanJob NewJob()
    {
        var scanId = ScanBytes.NewScanId();
        return new()
        {
            ScanId = scanId,
            SourceBlobUri = new Uri($"https://example.invalid/scans/{scanId}/scan.dcm"),
            SourceETag = "0x8DC0000000000A1",
            ModelName = "brain-mri-demo",
            ModelVersion = "v1",
            Origin = JobOrigin.Upload,
            DetectedFormat = ScanFormat.Dicom,
            CorrelationId = scanId,
            SubmittedAt = DateTimeOffset.UtcNow,
        };
    }

    /// <summary>The worker's first step on a delivered message (as its status sink writes it, its claim included).</summary>
    private static async Task<JobRecord> WorkerStartsAsync(TestHost host, ScanJob job) =>
        (await host.Jobs.TransitionLatestAsync(job.ScanId, job.ModelVersion, JobState.Processing, r => r with { Attempts = 1, StartedAt = DateTimeOffset.UtcNow, ClaimedBy = "1.0123456789abcdef0123456789abcdef@" + job.MessageId }, cancellationToken: Ct)).Record!;
}
