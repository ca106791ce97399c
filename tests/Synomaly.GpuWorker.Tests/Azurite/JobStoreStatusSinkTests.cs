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

        await sink.TryClaimAsync(job, new JobClaim(job.MessageId, 1), TestContext.Current.CancellationToken);
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

        await sink.TryClaimAsync(job, new JobClaim(job.MessageId, 1), ct);
        await sink.TryClaimAsync(confirmed, new JobClaim(confirmed.MessageId, 1), ct);

        Assert.Equal(job.SubmittedAt, (await store.GetAsync(job.ScanId, job.ModelVersion, ct))!.QueuedAt);
        Assert.Equal(confirmedAt, (await store.GetAsync(confirmed.ScanId, confirmed.ModelVersion, ct))!.QueuedAt);
    }

    [Fact]
    public async Task A_job_without_a_record_gets_one_and_a_terminal_record_refuses_to_move_back()
    {
        var store = await StoreAsync();
        var job = Job("sink-new");
        var sink = new JobStoreStatusSink(store, TimeProvider.System);

        await sink.TryMarkFailedAsync(job, new JobClaim(job.MessageId, 1), "Malformed", "Bad header.", TestContext.Current.CancellationToken);

        var record = await store.GetAsync(job.ScanId, job.ModelVersion, TestContext.Current.CancellationToken);
        Assert.Equal((JobState.Failed, "Malformed", "Bad header."), (record!.State, record.ErrorCode, record.ErrorMessage));
        Assert.Equal(job.MessageId, record.MessageId);
        var rejected = await Assert.ThrowsAsync<JobTransitionRejectedException>(() => sink.TryClaimAsync(job, new JobClaim(job.MessageId, 2), TestContext.Current.CancellationToken));
        Assert.Equal(JobState.Failed, rejected.From);

        // Nor back to the queue: only intake requeues a finished job (its message is gone).
        rejected = await Assert.ThrowsAsync<JobTransitionRejectedException>(() => sink.MarkRetryingAsync(job, new JobClaim(job.MessageId, 2), "Unexpected", "A race.", TestContext.Current.CancellationToken));
        Assert.Equal(JobState.Failed, rejected.From);
        Assert.Equal(JobState.Failed, (await store.GetAsync(job.ScanId, job.ModelVersion, TestContext.Current.CancellationToken))!.State);
    }

    [Fact]
    public async Task A_succeeded_record_refuses_every_worker_transition()
    {
        var store = await StoreAsync();
        var job = Job("sink-done");
        var sink = new JobStoreStatusSink(store, TimeProvider.System);
        await sink.TryClaimAsync(job, new JobClaim(job.MessageId, 1), TestContext.Current.CancellationToken);
        await sink.MarkSucceededAsync(job, "sink-done/v1/x/", TestContext.Current.CancellationToken);

        Assert.Equal(JobState.Succeeded, (await Assert.ThrowsAsync<JobTransitionRejectedException>(() => sink.MarkRetryingAsync(job, new JobClaim(job.MessageId, 2), "Unexpected", "A race.", TestContext.Current.CancellationToken))).From);
        Assert.Equal(JobState.Succeeded, (await Assert.ThrowsAsync<JobTransitionRejectedException>(() => sink.TryMarkFailedAsync(job, new JobClaim(job.MessageId, 2), "Unexpected", "A race.", TestContext.Current.CancellationToken))).From);
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
        await sink.TryMarkFailedAsync(archived, new JobClaim(archived.MessageId, 1), Processing.JobRejectedException.SourceMissing, "The scan blob no longer exists.", ct);
        await sink.TryMarkFailedAsync(malformed, new JobClaim(malformed.MessageId, 1), "Malformed", "Bad header.", ct);

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
        await Assert.ThrowsAsync<JobSupersededException>(() => sink.TryClaimAsync(old, new JobClaim(old.MessageId, 1), ct));
        await Assert.ThrowsAsync<JobSupersededException>(() => sink.TryMarkFailedAsync(old, new JobClaim(old.MessageId, 1), "SourceChanged", "The scan blob was replaced.", ct));
        await sink.TryClaimAsync(newer, new JobClaim(newer.MessageId, 1), ct);

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
        await sink.TryClaimAsync(job, new JobClaim(job.MessageId, 1), ct);
        var running = await store.GetAsync(job.ScanId, job.ModelVersion, ct);

        await store.MarkDeletedAsync(running!, DateTimeOffset.UtcNow, ct); // DELETE /api/scans/{scanId} while the model runs

        var refused = await Assert.ThrowsAsync<JobSupersededException>(() => sink.MarkSucceededAsync(job, "x/", ct));
        Assert.False(refused.SameSourceVersion); // so the worker removes any results it wrote, as for a re-upload
        Assert.True(refused.RecordErased); // and does not complete the message before they are gone
        await Assert.ThrowsAsync<JobSupersededException>(() => sink.GetRecordAsync(job, ct));
        Assert.True((await store.GetAsync(job.ScanId, job.ModelVersion, ct))!.IsDeleted);
    }

    [Fact]
    public async Task A_claim_whose_write_went_through_while_its_answer_was_lost_is_found_to_be_its_own()
    {
        // The SDK retried the write after a timeout and met the change it had made itself (412): taken for another
        // copy's claim, the delivery would complete its message as a duplicate, and nobody would run the job.
        var ct = TestContext.Current.CancellationToken;
        var store = new AnswerLostOnceStore(new TableServiceClient(azurite.ConnectionString));
        await store.EnsureCreatedAsync(ct);
        var job = Job("sink-lost-answer-" + Guid.NewGuid().ToString("N")[..8]);
        await store.CreateAsync(new JobRecord { ScanId = job.ScanId, ModelVersion = job.ModelVersion, MessageId = job.MessageId }, ct);
        var sink = new JobStoreStatusSink(store, TimeProvider.System);
        var claim = new JobClaim("queue-message-1", 1);

        Assert.True(await sink.TryClaimAsync(job, claim, ct));

        Assert.True(store.AnswerLost);
        var record = await store.GetAsync(job.ScanId, job.ModelVersion, ct);
        Assert.Equal((JobState.Processing, claim.Value), (record!.State, record.ClaimedBy));
        Assert.False(await sink.TryClaimAsync(job, new JobClaim("queue-message-2", 1), ct)); // another copy's stays out
    }

    [Fact]
    public async Task A_redelivery_takes_over_its_own_messages_earlier_claim_but_leaves_another_copys_untouched()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await StoreAsync();
        var job = Job("sink-claims-" + Guid.NewGuid().ToString("N")[..8]);
        await store.CreateAsync(new JobRecord { ScanId = job.ScanId, ModelVersion = job.ModelVersion, MessageId = job.MessageId }, ct);
        var sink = new JobStoreStatusSink(store, TimeProvider.System);
        Assert.True(await sink.TryClaimAsync(job, new JobClaim("queue-message-1", 1), ct));
        var claimed = await store.GetAsync(job.ScanId, job.ModelVersion, ct);

        Assert.False(await sink.TryClaimAsync(job, new JobClaim("queue-message-2", 2), ct));
        Assert.Equal(claimed!.ETag, (await store.GetAsync(job.ScanId, job.ModelVersion, ct))!.ETag);

        var redelivery = new JobClaim("queue-message-1", 2);
        Assert.True(await sink.TryClaimAsync(job, redelivery, ct));
        var record = await store.GetAsync(job.ScanId, job.ModelVersion, ct);
        Assert.Equal((JobState.Processing, redelivery.Value, 2), (record!.State, record.ClaimedBy, record.Attempts));
    }

    [Fact]
    public async Task A_retry_of_a_delivery_that_never_claimed_the_job_leaves_another_copys_claim_standing_but_its_own_goes_back()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await StoreAsync();
        var job = Job("sink-retry-claims-" + Guid.NewGuid().ToString("N")[..8]);
        await store.CreateAsync(new JobRecord { ScanId = job.ScanId, ModelVersion = job.ModelVersion, MessageId = job.MessageId }, ct);
        var sink = new JobStoreStatusSink(store, TimeProvider.System);
        var running = new JobClaim("queue-message-1", 1);
        Assert.True(await sink.TryClaimAsync(job, running, ct));
        var claimed = await store.GetAsync(job.ScanId, job.ModelVersion, ct);

        await sink.MarkRetryingAsync(job, new JobClaim("queue-message-2", 1), "StorageUnavailable", "Storage answered 503.", ct);
        Assert.Equal(claimed!.ETag, (await store.GetAsync(job.ScanId, job.ModelVersion, ct))!.ETag);

        await sink.MarkRetryingAsync(job, running, "StorageUnavailable", "Storage answered 503.", ct);
        var record = await store.GetAsync(job.ScanId, job.ModelVersion, ct);
        Assert.Equal((JobState.Queued, "StorageUnavailable"), (record!.State, record.ErrorCode));
    }

    [Fact]
    public async Task A_failure_of_a_delivery_that_never_claimed_the_job_leaves_another_copys_claim_standing_but_its_own_fails()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await StoreAsync();
        var job = Job("sink-fail-claims-" + Guid.NewGuid().ToString("N")[..8]);
        await store.CreateAsync(new JobRecord { ScanId = job.ScanId, ModelVersion = job.ModelVersion, MessageId = job.MessageId }, ct);
        var sink = new JobStoreStatusSink(store, TimeProvider.System);
        var running = new JobClaim("queue-message-1", 1);
        Assert.True(await sink.TryClaimAsync(job, running, ct));
        var claimed = await store.GetAsync(job.ScanId, job.ModelVersion, ct);

        Assert.False(await sink.TryMarkFailedAsync(job, new JobClaim("queue-message-2", 3), "StorageUnavailable", "Gave up after 3 attempts.", ct));
        Assert.Equal(claimed!.ETag, (await store.GetAsync(job.ScanId, job.ModelVersion, ct))!.ETag);

        Assert.True(await sink.TryMarkFailedAsync(job, running, "StorageUnavailable", "Gave up after 1 attempts.", ct));
        var record = await store.GetAsync(job.ScanId, job.ModelVersion, ct);
        Assert.Equal((JobState.Failed, "StorageUnavailable"), (record!.State, record.ErrorCode));
    }

    [Fact]
    public async Task A_job_started_before_claims_were_recorded_is_taken_over_by_a_redelivery_only()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = await StoreAsync();
        var job = Job("sink-unclaimed-" + Guid.NewGuid().ToString("N")[..8]);
        await store.CreateAsync(new JobRecord { ScanId = job.ScanId, ModelVersion = job.ModelVersion, MessageId = job.MessageId, State = JobState.Processing, Attempts = 1 }, ct);
        var sink = new JobStoreStatusSink(store, TimeProvider.System);

        Assert.False(await sink.TryClaimAsync(job, new JobClaim("queue-message-2", 1), ct));
        Assert.Null((await store.GetAsync(job.ScanId, job.ModelVersion, ct))!.ClaimedBy);
        Assert.True(await sink.TryClaimAsync(job, new JobClaim("queue-message-1", 2), ct));
    }

    /// <summary>
    /// Stores the first move to Processing and then answers it as a lost ETag race, as the table's answer does when the
    /// SDK retries a write whose first answer was lost: the write is there, under an ETag the writer never saw.
    /// </summary>
    private sealed class AnswerLostOnceStore(TableServiceClient tables) : JobStore(tables)
    {
        public bool AnswerLost { get; private set; }

        public override async Task<JobWriteResult> TransitionAsync(JobRecord current, JobState to, Func<JobRecord, JobRecord>? update = null, CancellationToken cancellationToken = default)
        {
            var result = await base.TransitionAsync(current, to, update, cancellationToken);
            if (to != JobState.Processing || AnswerLost || !result.Succeeded)
            {
                return result;
            }

            AnswerLost = true;
            return new JobWriteResult(JobWriteOutcome.Conflict, await GetAsync(current.ScanId, current.ModelVersion, cancellationToken));
        }
    }
}
