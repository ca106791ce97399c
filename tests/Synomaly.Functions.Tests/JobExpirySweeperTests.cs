using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Synomaly.Contracts;
using Synomaly.Functions.Services.Archive;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Functions.Services.Intake;
using Synomaly.Functions.Services.Sweeps;
using Synomaly.Functions.Options;
using Synomaly.Functions.Services.Jobs;
using Synomaly.Functions.Triggers;
using Synomaly.Storage.Jobs;
using Synomaly.Storage.Messaging;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

/// <summary>
/// Jobs nothing will ever finish end Failed (Expired). Each test host has its own job table, so a sweep sees only the
/// records its test wrote. The table's own Timestamp is the server's clock, so the sweep's clock is moved forward past it.
/// </summary>
[Trait("Category", "Integration")]
public sealed class JobExpirySweeperTests(AzuriteFixture azurite)
{
    /// <summary>The default time to live (48 h) plus the default grace (60 min).</summary>
    private static readonly TimeSpan ExpiresAfter = TimeSpan.FromHours(49);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Without_the_table_that_keeps_its_place_the_sweep_still_expires_jobs_from_the_start()
    {
        // A missing checkpoint table (bulkruns) stopped the sweep before it listed any job, so jobs whose messages had
        // expired stayed Queued. Its own storage account: the test deletes the host's checkpoint table.
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var host = await TestHost.CreateAsync(azurite, clock: clock, ownStorageAccount: true);
        var tables = new Azure.Data.Tables.TableServiceClient(host.ConnectionString);
        await foreach (var table in tables.QueryAsync(t => true, cancellationToken: Ct))
        {
            if (table.Name.StartsWith("cursors", StringComparison.Ordinal))
            {
                await tables.DeleteTableAsync(table.Name, Ct);
            }
        }

        var scanId = await CreateAsync(host, JobState.Queued);
        clock.Now = DateTimeOffset.UtcNow + ExpiresAfter + TimeSpan.FromMinutes(1);

        var sweep = await host.Get<JobExpirySweeper>().RunAsync(Ct);

        Assert.Equal([scanId], sweep.Expired);
        Assert.Equal(JobState.Failed, (await host.Jobs.GetAsync(scanId, "v1", Ct))!.State);
    }

    [Fact]
    public async Task A_queued_job_nothing_wrote_for_the_time_to_live_ends_failed_expired_with_a_reason_and_not_before()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var host = await TestHost.CreateAsync(azurite, clock: clock);
        var scanId = await CreateAsync(host, JobState.Queued);
        var sweeper = host.Get<JobExpirySweeper>();

        clock.Now = DateTimeOffset.UtcNow + ExpiresAfter - TimeSpan.FromMinutes(5);
        var early = await sweeper.RunAsync(Ct);
        var before = await host.Jobs.GetAsync(scanId, "v1", Ct);
        clock.Now = DateTimeOffset.UtcNow + ExpiresAfter + TimeSpan.FromMinutes(1);
        var late = await sweeper.RunAsync(Ct);
        var after = await host.Jobs.GetAsync(scanId, "v1", Ct);

        Assert.Equal(0, early.Examined); // the table service filtered it out: not quiet for long enough
        Assert.Equal(JobState.Queued, before!.State);
        Assert.Equal([scanId], late.Expired);
        Assert.Equal(JobState.Failed, after!.State);
        Assert.True(after.IsExpired);
        Assert.Contains("48 hours", after.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal(clock.Now, after.FinishedAt);
    }

    [Fact]
    public async Task A_bulk_job_whose_archive_file_is_gone_ends_without_the_files_name_and_one_whose_file_is_there_keeps_it()
    {
        // Reserved by a run after the owner deleted the file (the deletion's erasure found no record), never published.
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var host = await TestHost.CreateAsync(azurite, clock: clock);
        var archive = host.Blobs.GetBlobContainerClient(BlobLayout.ArchiveContainer);
        var kept = archive.GetBlobClient($"kept-{Guid.NewGuid():N}/scan.dcm");
        await kept.UploadAsync(BinaryData.FromBytes(ScanBytes.Dicom()), Ct);
        var gone = archive.GetBlobClient($"gone-{Guid.NewGuid():N}/scan.dcm");
        foreach (var file in new[] { kept, gone })
        {
            await host.Jobs.CreateAsync(new JobRecord
            {
                ScanId = await host.ArchiveScanIdAsync(file.Name),
                ModelVersion = "v1",
                State = JobState.Queued,
                Origin = JobOrigin.Bulk,
                SourceBlobUri = file.Uri,
                SourceETag = "0x1",
                SourceContentMd5 = "q83vEjRWeJA=",
                CreatedAt = clock.Now,
            }, Ct);
        }

        clock.Now = DateTimeOffset.UtcNow + ExpiresAfter + TimeSpan.FromMinutes(1);
        var sweep = await host.Get<JobExpirySweeper>().RunAsync(Ct);

        Assert.Equal(2, sweep.Expired.Count);
        var lost = (await host.Jobs.GetAsync(await host.ArchiveScanIdAsync(gone.Name), "v1", Ct))!;
        Assert.Equal((JobState.Failed, JobRecord.SourceMissingErrorCode, null, null), (lost.State, lost.ErrorCode, lost.SourceBlobUri, lost.SourceContentMd5));
        Assert.True(lost.HasLostSource);
        var expired = (await host.Jobs.GetAsync(await host.ArchiveScanIdAsync(kept.Name), "v1", Ct))!;
        Assert.True(expired.IsExpired);
        Assert.Equal(kept.Uri, expired.SourceBlobUri);
    }

    [Fact]
    public async Task On_the_storage_queue_transport_a_jobs_message_expires_after_the_time_to_live_the_sweep_assumes()
    {
        var queueName = "ttl" + Guid.NewGuid().ToString("N")[..12];
        await using var host = await TestHost.CreateAsync(azurite, new()
        {
            ["Intake:Transport"] = nameof(ScanJobTransport.StorageQueue),
            ["Intake:QueueName"] = queueName,
            ["Expiry:MessageTimeToLiveHours"] = "5",
        });
        var before = DateTimeOffset.UtcNow;

        await host.Get<IScanJobPublisher>().PublishAsync(new ScanJob
        {
            ScanId = ScanBytes.NewScanId(),
            SourceETag = "0x1",
            ModelName = "brain-mri-demo",
            ModelVersion = "v1",
            CorrelationId = "ttl",
            SubmittedAt = before,
        }, cancellationToken: Ct);
        var after = DateTimeOffset.UtcNow;

        var queue = host.Get<Azure.Storage.Queues.QueueServiceClient>().GetQueueClient(queueName);
        var message = Assert.Single((await queue.ReceiveMessagesAsync(maxMessages: 10, cancellationToken: Ct)).Value);
        // Five hours from when the queue took the message, between the two clock reads around the send; less a second, as
        // the queue states the time to the second.
        Assert.InRange(message.ExpiresOn!.Value, before.AddHours(5).AddSeconds(-1), after.AddHours(5));
    }

    [Fact]
    public async Task A_processing_job_expires_too_and_finished_jobs_are_left_alone()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var host = await TestHost.CreateAsync(azurite, clock: clock);
        var processing = await CreateAsync(host, JobState.Processing);
        var succeeded = await CreateAsync(host, JobState.Succeeded);
        var failed = await CreateAsync(host, JobState.Failed);
        clock.Now = DateTimeOffset.UtcNow + ExpiresAfter + TimeSpan.FromMinutes(1);

        await host.Function<ExpireStaleJobs>().Run(new Microsoft.Azure.Functions.Worker.TimerInfo(), Ct);

        var sweep = await host.Jobs.GetAsync(processing, "v1", Ct);
        Assert.True(sweep!.IsExpired);
        Assert.Equal(JobState.Succeeded, (await host.Jobs.GetAsync(succeeded, "v1", Ct))!.State);
        var stillFailed = await host.Jobs.GetAsync(failed, "v1", Ct);
        Assert.Equal("Truncated", stillFailed!.ErrorCode);
    }

    [Fact]
    public async Task A_sweep_out_of_time_stops_after_the_page_in_hand_and_the_next_one_goes_on_from_there()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var host = await TestHost.CreateAsync(azurite, clock: clock);
        var queued = await CreateAsync(host, JobState.Queued);
        var processing = await CreateAsync(host, JobState.Processing);
        clock.Now = DateTimeOffset.UtcNow + ExpiresAfter + TimeSpan.FromMinutes(1);
        var sweeper = host.Get<JobExpirySweeper>();
        var cursors = host.Get<SweepCursorStore>();

        // A zero budget is spent after the first page: the Queued listing; the Processing one waits for the next sweep.
        var spent = await sweeper.RunAsync(TimeSpan.Zero, JobStore.MaxPageSize, Ct);
        var saved = await cursors.GetAsync(SweepCursorStore.JobExpiry, Ct);
        var next = await sweeper.RunAsync(Ct);

        Assert.False(spent.Complete);
        Assert.Equal([queued], spent.Expired);
        Assert.Equal(new ExpirySweepPlace(JobState.Processing, null), ExpirySweepPlace.Parse(saved));
        Assert.True(next.Complete);
        Assert.Equal([processing], next.Expired);
        Assert.Null(await cursors.GetAsync(SweepCursorStore.JobExpiry, Ct)); // the pass is over: the next one starts at the top
    }

    [Fact]
    public async Task A_backlog_larger_than_a_sweep_is_worked_off_over_several_sweeps_each_job_expired_once()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var host = await TestHost.CreateAsync(azurite, clock: clock);
        var stale = new List<string>();
        for (int i = 0; i < 5; i++)
        {
            stale.Add(await CreateAsync(host, i % 2 == 0 ? JobState.Queued : JobState.Processing));
        }

        var waiting = await CreateAsync(host, JobState.Queued, scheduledFor: DateTimeOffset.UtcNow.AddDays(30));
        clock.Now = DateTimeOffset.UtcNow + ExpiresAfter + TimeSpan.FromMinutes(1);
        var sweeper = host.Get<JobExpirySweeper>();

        var sweeps = new List<ExpirySweepResult>();
        do
        {
            sweeps.Add(await sweeper.RunAsync(TimeSpan.Zero, pageSize: 2, Ct));
        }
        while (!sweeps[^1].Complete && sweeps.Count < 20);

        Assert.True(sweeps[^1].Complete);
        Assert.InRange(sweeps.Count, 3, 20);
        Assert.All(stale, scanId => Assert.Single(sweeps, s => s.Expired.Contains(scanId)));
        Assert.All(sweeps, s => Assert.DoesNotContain(waiting, s.Expired));
        foreach (var scanId in stale)
        {
            Assert.True((await host.Jobs.GetAsync(scanId, "v1", Ct))!.IsExpired);
        }

        Assert.Equal(JobState.Queued, (await host.Jobs.GetAsync(waiting, "v1", Ct))!.State);
    }

    [Fact]
    public async Task A_saved_place_no_sweep_could_have_written_starts_the_pass_over()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var host = await TestHost.CreateAsync(azurite, clock: clock);
        var scanId = await CreateAsync(host, JobState.Queued);
        clock.Now = DateTimeOffset.UtcNow + ExpiresAfter + TimeSpan.FromMinutes(1);
        await host.Get<SweepCursorStore>().SetAsync(SweepCursorStore.JobExpiry, "Succeeded|1!8!c3RhbGU-", Ct);

        var sweep = await host.Get<JobExpirySweeper>().RunAsync(Ct);

        Assert.True(sweep.Complete);
        Assert.Equal([scanId], sweep.Expired);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("Queued", "Queued")]
    [InlineData("Processing|1!8!dG9rZW4-", "Processing|1!8!dG9rZW4-")]
    [InlineData("Processing|", "Processing")]
    [InlineData("Stalled|x", null)]
    [InlineData("7|x", null)]
    public void A_place_reads_back_as_written_and_anything_else_as_none(string? saved, string? expected)
    {
        Assert.Equal(expected, ExpirySweepPlace.Parse(saved)?.Format());
    }

    [Fact]
    public async Task A_throttled_bulk_job_waits_from_the_time_its_message_becomes_visible()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var host = await TestHost.CreateAsync(azurite, clock: clock);
        var visibleAt = DateTimeOffset.UtcNow.AddHours(10);
        var scanId = await CreateAsync(host, JobState.Queued, scheduledFor: visibleAt);
        var sweeper = host.Get<JobExpirySweeper>();

        clock.Now = DateTimeOffset.UtcNow + ExpiresAfter + TimeSpan.FromMinutes(1);
        var whileWaiting = await sweeper.RunAsync(Ct);
        clock.Now = visibleAt + ExpiresAfter + TimeSpan.FromMinutes(1);
        var afterItsTime = await sweeper.RunAsync(Ct);

        Assert.Equal(1, whileWaiting.Examined);
        Assert.Empty(whileWaiting.Expired);
        Assert.Equal([scanId], afterItsTime.Expired);
    }

    [Fact]
    public async Task An_expired_upload_is_no_verdict_on_its_file_the_reconciler_submits_it_again()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        // Its own storage account: the reconciliation lists the whole scans container.
        await using var host = await TestHost.CreateAsync(azurite, new() { ["Intake:ReconcileLookbackHours"] = "72" }, clock: clock, ownStorageAccount: true);
        var scanId = ScanBytes.NewScanId();
        await host.Function<ScanUploadedPolling>().Run(await host.UploadScanAsync($"{scanId}/scan.png", ScanBytes.Png()), Ct);
        clock.Now = DateTimeOffset.UtcNow + ExpiresAfter + TimeSpan.FromMinutes(1);

        var expiry = await host.Get<JobExpirySweeper>().RunAsync(Ct);
        var reconcile = await host.Get<UploadReconciler>().RunAsync(Ct);
        var again = await host.Get<UploadReconciler>().RunAsync(Ct);

        Assert.Equal([scanId], expiry.Expired);
        Assert.Contains(scanId, reconcile.Resubmitted);
        Assert.DoesNotContain(scanId, again.Resubmitted);
        var record = await host.Jobs.GetAsync(scanId, "v1", Ct);
        Assert.Equal((JobState.Queued, null), (record!.State, record.ErrorCode));
        Assert.Equal(2, host.Get<InMemoryScanJobPublisher>().Published.Count(p => p.Job.ScanId == scanId));
    }

    [Fact]
    public async Task A_job_a_worker_writes_between_the_listing_and_the_sweep_s_write_is_left_to_the_worker()
    {
        var table = new TableClient(azurite.ConnectionString, "jobs" + Guid.NewGuid().ToString("N")[..12]);
        await table.CreateIfNotExistsAsync(Ct);
        var store = new WorkerRacingStore(table);
        var scanId = ScanBytes.NewScanId();
        await store.CreateAsync(new JobRecord { ScanId = scanId, ModelVersion = "v1", State = JobState.Queued, QueuedAt = DateTimeOffset.UtcNow }, Ct);
        var clock = new ManualClock(DateTimeOffset.UtcNow + ExpiresAfter + TimeSpan.FromMinutes(1));
        var cursors = new TableClient(azurite.ConnectionString, "cursors" + Guid.NewGuid().ToString("N")[..12]);
        await cursors.CreateIfNotExistsAsync(Ct);
        var sources = new ArchiveSourceForgetter(new Azure.Storage.Blobs.BlobServiceClient(azurite.ConnectionString), store, clock, NullLogger<ArchiveSourceForgetter>.Instance);
        var sweeper = new JobExpirySweeper(store, new SweepCursorStore(cursors), sources, Microsoft.Extensions.Options.Options.Create(new JobExpiryOptions()), clock, NullLogger<JobExpirySweeper>.Instance);

        var sweep = await sweeper.RunAsync(Ct);

        Assert.Equal(1, sweep.Examined);
        Assert.Empty(sweep.Expired);
        Assert.Equal(JobState.Succeeded, (await store.GetAsync(scanId, "v1", Ct))!.State);
    }

    /// <summary>A store whose listed Queued jobs a worker finishes right after the listing (a late delivery racing the sweep).</summary>
    private sealed class WorkerRacingStore(TableClient table) : JobStore(table)
    {
        public override async Task<JobPage> ListAsync(JobState? state = null, DateTimeOffset? since = null, string? continuationToken = null, int pageSize = 100, DateTimeOffset? modifiedBefore = null, CancellationToken cancellationToken = default)
        {
            var page = await base.ListAsync(state, since, continuationToken, pageSize, modifiedBefore, cancellationToken);
            foreach (var job in page.Jobs.Where(j => j.State == JobState.Queued))
            {
                var started = await TransitionAsync(job, JobState.Processing, r => r with { Attempts = 1, StartedAt = DateTimeOffset.UtcNow }, cancellationToken);
                await TransitionAsync(started.Record!, JobState.Succeeded, r => r with { FinishedAt = DateTimeOffset.UtcNow }, cancellationToken);
            }

            return page;
        }
    }

    [Fact]
    public void The_last_activity_is_the_later_of_the_last_write_and_the_message_s_visible_time()
    {
        var written = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var record = new JobRecord { ScanId = "s", ModelVersion = "v1", CreatedAt = written.AddDays(-1), QueuedAt = written.AddHours(-1), LastModified = written };

        Assert.Equal(written, JobExpirySweeper.LastActivity(record));
        Assert.Equal(written.AddHours(5), JobExpirySweeper.LastActivity(record with { ScheduledFor = written.AddHours(5) }));
        Assert.Equal(written, JobExpirySweeper.LastActivity(record with { ScheduledFor = written.AddHours(-5) }));
        // A record not read from the table: its own latest time.
        Assert.Equal(written.AddHours(2), JobExpirySweeper.LastActivity(record with { LastModified = null, StartedAt = written.AddHours(2) }));
    }

    private static async Task<string> CreateAsync(TestHost host, JobState state, DateTimeOffset? scheduledFor = null)
    {
        var scanId = ScanBytes.NewScanId();
        var now = DateTimeOffset.UtcNow;
        var result = await host.Jobs.CreateAsync(new JobRecord
        {
            ScanId = scanId,
            ModelVersion = "v1",
            State = state,
            CreatedAt = now,
            QueuedAt = now,
            ScheduledFor = scheduledFor,
            StartedAt = state == JobState.Queued ? null : now,
            FinishedAt = state.IsTerminal() ? now : null,
            ErrorCode = state == JobState.Failed ? "Truncated" : null,
            SourceETag = "\"0x1\"",
        }, Ct);
        Assert.True(result.Succeeded);
        return scanId;
    }

    [Fact]
    public async Task A_record_the_sweep_cannot_read_is_passed_over_with_a_warning_naming_its_scan_and_field_only()
    {
        // The listing leaves such a record out; unlogged, a job that will never expire was left out silently on every sweep.
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var host = await TestHost.CreateAsync(azurite, clock: clock);
        var scanId = await CreateAsync(host, JobState.Queued);
        await host.WriteUnreadableJobRecordAsync(scanId, "v1", new() { ["SourceBlobUri"] = "patient qzxw/scan.dcm" });
        var log = new Synomaly.Testing.CapturingLogger<JobExpirySweeper>();
        var sweeper = new JobExpirySweeper(
            host.Jobs, host.Get<SweepCursorStore>(), host.Get<ArchiveSourceForgetter>(), host.Get<Microsoft.Extensions.Options.IOptions<JobExpiryOptions>>(), clock, log);

        clock.Now = DateTimeOffset.UtcNow + ExpiresAfter + TimeSpan.FromMinutes(1);
        var sweep = await sweeper.RunAsync(Ct);

        Assert.Empty(sweep.Expired);
        var warning = Assert.Single(log.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning && e.Message.Contains(scanId, StringComparison.Ordinal));
        Assert.Contains("SourceBlobUri", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("qzxw", warning.Message, StringComparison.Ordinal);
    }
}
