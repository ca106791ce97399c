using Azure.Data.Tables;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Status;
using Synomaly.Storage.Jobs;
using Synomaly.Testing;

namespace Synomaly.GpuWorker.Tests.Azurite;

/// <summary>The worker's transitions on the real jobs table (ETag-checked by JobStore).</summary>
[Trait("Category", "Integration")]
public sealed class JobStoreStatusSinkTests(AzuriteFixture azurite)
{
    private async Task<JobStore> StoreAsync()
    {
        var store = new JobStore(new TableServiceClient(azurite.ConnectionString));
        await store.EnsureCreatedAsync(TestContext.Current.CancellationToken);
        return store;
    }

    private static ScanJob Job(string scanId) => new()
    {
        ScanId = scanId,
        SourceBlobUri = new Uri($"http://127.0.0.1:10000/devstoreaccount1/scans/{scanId}/scan.dcm"),
        SourceETag = "\"0x2\"",
        ModelName = "brain",
        ModelVersion = "2.0.0",
        CorrelationId = "c",
        SubmittedAt = DateTimeOffset.UtcNow,
    };

    [Fact]
    public async Task A_queued_intake_record_moves_to_processing_and_then_succeeded_with_its_result_prefix()
    {
        var store = await StoreAsync();
        var job = Job("sink-ok");
        await store.CreateAsync(new JobRecord { ScanId = job.ScanId, ModelVersion = job.ModelVersion, State = JobState.Queued }, TestContext.Current.CancellationToken);
        var sink = new JobStoreStatusSink(store, TimeProvider.System);

        await sink.MarkProcessingAsync(job, 1, TestContext.Current.CancellationToken);
        Assert.Equal(JobState.Processing, (await sink.GetRecordAsync(job, TestContext.Current.CancellationToken))!.State);
        await sink.MarkSucceededAsync(job, "sink-ok/2.0.0/", TestContext.Current.CancellationToken);

        var record = await store.GetAsync(job.ScanId, job.ModelVersion, TestContext.Current.CancellationToken);
        Assert.Equal(JobState.Succeeded, record!.State);
        Assert.Equal("sink-ok/2.0.0/", record.ResultPrefix);
        Assert.Equal(1, record.Attempts);
        Assert.NotNull(record.StartedAt);
        Assert.NotNull(record.FinishedAt);
    }

    [Fact]
    public async Task A_job_whose_publish_was_never_confirmed_gets_its_queued_time_from_the_message_when_it_starts()
    {
        // The intake crashed between publishing and confirming: the record never got QueuedAt, and the status showed a
        // job that ran (and finished) as never queued.
        var ct = TestContext.Current.CancellationToken;
        var store = await StoreAsync();
        var job = Job("sink-unconfirmed") with { SubmittedAt = new DateTimeOffset(2026, 12, 1, 9, 0, 0, TimeSpan.Zero) };
        var confirmed = Job("sink-confirmed");
        var confirmedAt = new DateTimeOffset(2026, 12, 1, 9, 0, 5, TimeSpan.Zero);
        await store.CreateAsync(new JobRecord { ScanId = job.ScanId, ModelVersion = job.ModelVersion, MessageId = job.MessageId }, ct);
        await store.CreateAsync(new JobRecord { ScanId = confirmed.ScanId, ModelVersion = confirmed.ModelVersion, MessageId = confirmed.MessageId, QueuedAt = confirmedAt }, ct);
        var sink = new JobStoreStatusSink(store, TimeProvider.System);

        await sink.MarkProcessingAsync(job, 1, ct);
        await sink.MarkProcessingAsync(confirmed, 1, ct);

        Assert.Equal(job.SubmittedAt, (await store.GetAsync(job.ScanId, job.ModelVersion, ct))!.QueuedAt);
        Assert.Equal(confirmedAt, (await store.GetAsync(confirmed.ScanId, confirmed.ModelVersion, ct))!.QueuedAt);
    }

    [Fact]
    public async Task A_job_without_a_record_gets_one_and_a_terminal_record_refuses_to_move_back()
    {
        var store = await StoreAsync();
        var job = Job("sink-new");
        var sink = new JobStoreStatusSink(store, TimeProvider.System);

        await sink.MarkFailedAsync(job, "Malformed", "Bad header.", TestContext.Current.CancellationToken);

        var record = await store.GetAsync(job.ScanId, job.ModelVersion, TestContext.Current.CancellationToken);
        Assert.Equal((JobState.Failed, "Malformed", "Bad header."), (record!.State, record.ErrorCode, record.ErrorMessage));
        Assert.Equal(job.MessageId, record.MessageId);
        var rejected = await Assert.ThrowsAsync<JobTransitionRejectedException>(() => sink.MarkProcessingAsync(job, 2, TestContext.Current.CancellationToken));
        Assert.Equal(JobState.Failed, rejected.From);

        // Nor back to the queue: only intake requeues a finished job (its message is gone).
        rejected = await Assert.ThrowsAsync<JobTransitionRejectedException>(() => sink.MarkRetryingAsync(job, 2, "Unexpected", "A race.", TestContext.Current.CancellationToken));
        Assert.Equal(JobState.Failed, rejected.From);
        Assert.Equal(JobState.Failed, (await store.GetAsync(job.ScanId, job.ModelVersion, TestContext.Current.CancellationToken))!.State);
    }

    [Fact]
    public async Task A_succeeded_record_refuses_every_worker_transition()
    {
        var store = await StoreAsync();
        var job = Job("sink-done");
        var sink = new JobStoreStatusSink(store, TimeProvider.System);
        await sink.MarkProcessingAsync(job, 1, TestContext.Current.CancellationToken);
        await sink.MarkSucceededAsync(job, "sink-done/v1/x/", TestContext.Current.CancellationToken);

        Assert.Equal(JobState.Succeeded, (await Assert.ThrowsAsync<JobTransitionRejectedException>(() => sink.MarkRetryingAsync(job, 2, "Unexpected", "A race.", TestContext.Current.CancellationToken))).From);
        Assert.Equal(JobState.Succeeded, (await Assert.ThrowsAsync<JobTransitionRejectedException>(() => sink.MarkFailedAsync(job, "Unexpected", "A race.", TestContext.Current.CancellationToken))).From);
        Assert.Equal(JobState.Succeeded, (await store.GetAsync(job.ScanId, job.ModelVersion, TestContext.Current.CancellationToken))!.State);
    }

    [Fact]
    public async Task A_job_that_found_its_source_gone_forgets_the_source_s_name_and_other_failures_keep_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await StoreAsync();
        var archived = Job("sink-gone-" + Guid.NewGuid().ToString("N")[..8]) with
        {
            SourceBlobUri = new Uri("http://127.0.0.1:10000/devstoreaccount1/archive/2024/Doe-Jane-brain.nii.gz"),
            Origin = JobOrigin.Bulk,
        };
        var malformed = Job("sink-bad-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var job in new[] { archived, malformed })
        {
            await store.CreateAsync(new JobRecord { ScanId = job.ScanId, ModelVersion = job.ModelVersion, State = JobState.Queued, MessageId = job.MessageId, SourceETag = job.SourceETag, SourceBlobUri = job.SourceBlobUri, Origin = job.Origin }, ct);
        }

        var sink = new JobStoreStatusSink(store, TimeProvider.System);
        await sink.MarkFailedAsync(archived, Processing.JobRejectedException.SourceMissing, "The scan blob no longer exists.", ct);
        await sink.MarkFailedAsync(malformed, "Malformed", "Bad header.", ct);

        var gone = await store.GetAsync(archived.ScanId, archived.ModelVersion, ct);
        var bad = await store.GetAsync(malformed.ScanId, malformed.ModelVersion, ct);
        Assert.Equal((JobState.Failed, "SourceMissing", null), (gone!.State, gone.ErrorCode, gone.SourceBlobUri));
        Assert.Equal(malformed.SourceBlobUri, bad!.SourceBlobUri);
    }

    [Fact]
    public async Task The_source_of_a_message_that_names_none_is_the_one_its_job_record_names()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await StoreAsync();
        var archivePath = new Uri("http://127.0.0.1:10000/devstoreaccount1/archive/2024/Doe-Jane-brain.nii.gz");
        var job = Job("sink-src-" + Guid.NewGuid().ToString("N")[..8]) with { SourceBlobUri = null, Origin = JobOrigin.Bulk };
        var unrecorded = Job("sink-nosrc-" + Guid.NewGuid().ToString("N")[..8]) with { SourceBlobUri = null, Origin = JobOrigin.Bulk };
        await store.CreateAsync(new JobRecord { ScanId = job.ScanId, ModelVersion = job.ModelVersion, State = JobState.Queued, MessageId = job.MessageId, SourceBlobUri = archivePath, Origin = JobOrigin.Bulk }, ct);
        var sink = new JobStoreStatusSink(store, TimeProvider.System);

        Assert.Equal(new RecordedJob(JobState.Queued, archivePath), await sink.GetRecordAsync(job, ct));
        Assert.Null(await sink.GetRecordAsync(unrecorded, ct));
        await Assert.ThrowsAsync<JobSupersededException>(() => sink.GetRecordAsync(job with { SourceETag = "\"0x3\"" }, ct));
    }

    [Fact]
    public async Task A_record_requeued_for_a_newer_upload_is_never_touched_by_the_old_message()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await StoreAsync();
        var old = Job("sink-stale-" + Guid.NewGuid().ToString("N")[..8]);
        var newer = old with { SourceETag = "\"0x3\"" };
        await store.CreateAsync(new JobRecord { ScanId = newer.ScanId, ModelVersion = newer.ModelVersion, State = JobState.Queued, MessageId = newer.MessageId, SourceETag = newer.SourceETag }, ct);
        var sink = new JobStoreStatusSink(store, TimeProvider.System);

        await Assert.ThrowsAsync<JobSupersededException>(() => sink.GetRecordAsync(old, ct));
        await Assert.ThrowsAsync<JobSupersededException>(() => sink.MarkProcessingAsync(old, 1, ct));
        await Assert.ThrowsAsync<JobSupersededException>(() => sink.MarkFailedAsync(old, "SourceChanged", "The scan blob was replaced.", ct));
        await sink.MarkProcessingAsync(newer, 1, ct);

        var record = await store.GetAsync(newer.ScanId, newer.ModelVersion, ct);
        Assert.Equal((JobState.Processing, null, newer.MessageId), (record!.State, record.ErrorCode, record.MessageId));
    }

    [Fact]
    public async Task A_scan_deleted_while_its_job_runs_refuses_every_write_of_the_running_message_as_another_upload()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await StoreAsync();
        var job = Job("sink-deleted-" + Guid.NewGuid().ToString("N")[..8]);
        await store.CreateAsync(new JobRecord { ScanId = job.ScanId, ModelVersion = job.ModelVersion, State = JobState.Queued, MessageId = job.MessageId, SourceETag = job.SourceETag }, ct);
        var sink = new JobStoreStatusSink(store, TimeProvider.System);
        await sink.MarkProcessingAsync(job, 1, ct);
        var running = await store.GetAsync(job.ScanId, job.ModelVersion, ct);

        await store.MarkDeletedAsync(running!, DateTimeOffset.UtcNow, ct); // DELETE /api/scans/{scanId} while the model runs

        var refused = await Assert.ThrowsAsync<JobSupersededException>(() => sink.MarkSucceededAsync(job, "x/", ct));
        Assert.False(refused.SameSourceVersion); // so the worker removes any results it wrote, as for a re-upload
        Assert.True(refused.RecordErased); // and does not complete the message before they are gone
        await Assert.ThrowsAsync<JobSupersededException>(() => sink.GetRecordAsync(job, ct));
        Assert.True((await store.GetAsync(job.ScanId, job.ModelVersion, ct))!.IsDeleted);
    }
}
