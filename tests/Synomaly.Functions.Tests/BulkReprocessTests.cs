using Azure.Storage.Queues;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Synomaly.Contracts;
using Synomaly.Functions.Http;
using Synomaly.Functions.Services.Archive;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Functions.Services.Erasure;
using Synomaly.Functions.Triggers;
using Synomaly.Storage.Jobs;
using Synomaly.Storage.Messaging;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

[Trait("Category", "Integration")]
public sealed class BulkReprocessTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Publishes for real, then cancels the run's token after a number of batches: an interruption half way.</summary>
    private sealed class InterruptingPublisher(IScanJobPublisher inner, int batchesBeforeInterrupt, CancellationTokenSource interrupt) : IScanJobPublisher
    {
        private int batches;

        public Task PublishAsync(ScanJob job, DateTimeOffset? scheduledEnqueueTime = null, CancellationToken cancellationToken = default) =>
            inner.PublishAsync(job, scheduledEnqueueTime, cancellationToken);

        public async Task PublishBatchAsync(IReadOnlyList<ScanJob> jobs, DateTimeOffset? scheduledEnqueueTime = null, CancellationToken cancellationToken = default)
        {
            await inner.PublishBatchAsync(jobs, scheduledEnqueueTime, cancellationToken);
            if (Interlocked.Increment(ref batches) == batchesBeforeInterrupt)
            {
                await interrupt.CancelAsync();
            }
        }
    }

    private async Task<string> FillArchiveAsync(TestHost host, int count, int empty = 0)
    {
        var prefix = $"t{Guid.NewGuid():N}/";
        var archive = host.Blobs.GetBlobContainerClient(BlobLayout.ArchiveContainer);
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = Ct }, async (i, ct) =>
            await archive.UploadBlobAsync($"{prefix}patient-{i:D4}/scan.dcm", BinaryData.FromBytes(i < empty ? [] : ScanBytes.Dicom()), ct));
        return prefix;
    }

    private static async Task<List<ScanJob>> DrainAsync(QueueClient queue)
    {
        var jobs = new List<ScanJob>();
        while (true)
        {
            var batch = (await queue.ReceiveMessagesAsync(maxMessages: 32, visibilityTimeout: TimeSpan.FromMinutes(5), cancellationToken: Ct)).Value;
            if (batch.Length == 0)
            {
                return jobs;
            }

            jobs.AddRange(batch.Select(m => StorageQueueMessageCodec.Decode(m.MessageText)));
        }
    }

    [Fact]
    public async Task A_run_interrupted_half_way_and_restarted_enqueues_each_archived_scan_exactly_once()
    {
        const int Scans = 300;
        var queue = new QueueClient(azurite.ConnectionString, "bulk" + Guid.NewGuid().ToString("N")[..12]);
        await queue.CreateAsync(cancellationToken: Ct);
        using var interrupt = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var steps = new CapturingSteps();
        // No worker ends these jobs: a window as wide as allowed keeps the pages whole (the window has tests of its own).
        var settings = new Dictionary<string, string?> { ["Bulk:BatchSize"] = "40", ["Bulk:MessagesPerMinute"] = "1000000", ["Bulk:MaxOutstandingJobs"] = "500" };
        await using var host = await TestHost.CreateAsync(azurite, settings,
            publisher: new InterruptingPublisher(new StorageQueueScanJobPublisher(queue), batchesBeforeInterrupt: 4, interrupt), steps: steps);
        var prefix = await FillArchiveAsync(host, Scans);
        var bulk = host.Get<BulkReprocessService>();
        var run = await bulk.StartAsync(new BulkRunRequest(prefix, null, false), Ct);
        Assert.Equal(run.RunId, Assert.Single(steps.Requested));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => bulk.RunStepAsync(run.RunId, TimeSpan.FromHours(1), interrupt.Token));
        var interrupted = (await bulk.GetAsync(run.RunId, Ct))!;
        Assert.Equal(BulkRunState.Running, interrupted.State);
        Assert.Equal(4, interrupted.Pages);
        Assert.Equal(160, interrupted.Published);

        // A fresh service (a new process after the crash) resumes from the checkpoint.
        await using var restarted = await TestHost.CreateAsync(azurite, settings, publisher: new StorageQueueScanJobPublisher(queue), steps: steps, bulkRunsTable: host.BulkRunsTable);
        var result = await restarted.Get<BulkReprocessService>().RunStepAsync(run.RunId, TimeSpan.FromHours(1), Ct);

        Assert.Equal(BulkStepOutcome.Completed, result.Outcome);
        Assert.Equal(Scans, result.Run!.Listed);
        Assert.Equal(Scans, result.Run.Published);
        Assert.Equal(0, result.Run.Skipped);
        var jobs = await DrainAsync(queue);
        Assert.Equal(Scans, jobs.Count);
        Assert.Equal(Scans, jobs.Select(j => j.ScanId).Distinct().Count());
        Assert.All(jobs, j => Assert.Equal(JobOrigin.Bulk, j.Origin));
        Assert.All(jobs, j => Assert.StartsWith("a-", j.ScanId, StringComparison.Ordinal));
        Assert.All(jobs, j => Assert.Equal(run.RunId, j.CorrelationId));
    }

    [Fact]
    public async Task A_runs_messages_leave_the_archive_path_out_and_the_job_records_keep_it()
    {
        var queue = new QueueClient(azurite.ConnectionString, "bulk" + Guid.NewGuid().ToString("N")[..12]);
        await queue.CreateAsync(cancellationToken: Ct);
        await using var host = await TestHost.CreateAsync(azurite, new() { ["Bulk:MessagesPerMinute"] = "1000000" }, publisher: new StorageQueueScanJobPublisher(queue), steps: new CapturingSteps());
        var prefix = await FillArchiveAsync(host, 3);
        var bulk = host.Get<BulkReprocessService>();
        var run = await bulk.StartAsync(new BulkRunRequest(prefix, null, false), Ct);

        Assert.Equal(BulkStepOutcome.Completed, (await bulk.RunStepAsync(run.RunId, TimeSpan.FromHours(1), Ct)).Outcome);

        var messages = (await queue.ReceiveMessagesAsync(maxMessages: 32, cancellationToken: Ct)).Value;
        Assert.Equal(3, messages.Length);
        foreach (var message in messages)
        {
            var json = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(message.MessageText));
            Assert.DoesNotContain("patient-", json, StringComparison.Ordinal);
            Assert.DoesNotContain("sourceBlobUri", json, StringComparison.Ordinal);
            var job = StorageQueueMessageCodec.Decode(message.MessageText);
            Assert.Equal((ScanJob.CurrentSchemaVersion, JobOrigin.Bulk, null), (job.SchemaVersion, job.Origin, job.SourceBlobUri));
            Assert.Equal(ScanJob.CreateMessageId(job.ScanId, job.SourceETag, job.ModelVersion), job.MessageId);
            var record = (await host.Jobs.GetAsync(job.ScanId, job.ModelVersion, Ct))!;
            Assert.Equal(job.MessageId, record.MessageId);
            Assert.StartsWith($"/devstoreaccount1/{BlobLayout.ArchiveContainer}/{prefix}patient-", record.SourceBlobUri!.AbsolutePath, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_second_run_for_the_same_model_version_skips_every_scan_and_another_version_publishes_all()
    {
        var steps = new CapturingSteps();
        await using var host = await TestHost.CreateAsync(azurite, new() { ["Bulk:BatchSize"] = "10" }, steps: steps);
        var prefix = await FillArchiveAsync(host, 25);
        var bulk = host.Get<BulkReprocessService>();
        var published = host.Get<InMemoryScanJobPublisher>();

        var first = await bulk.StartAsync(new BulkRunRequest(prefix, null, false), Ct);
        Assert.Equal(BulkStepOutcome.Completed, (await bulk.RunStepAsync(first.RunId, TimeSpan.FromHours(1), Ct)).Outcome);
        Assert.Equal(25, published.Drain().Count);

        var second = await bulk.StartAsync(new BulkRunRequest(prefix, "v1", false), Ct);
        var repeat = (await bulk.RunStepAsync(second.RunId, TimeSpan.FromHours(1), Ct)).Run!;
        Assert.Equal((25L, 0L, 25L), (repeat.Listed, repeat.Published, repeat.Skipped));
        Assert.Empty(published.Drain());

        var third = await bulk.StartAsync(new BulkRunRequest(prefix, "v2", false), Ct);
        var other = (await bulk.RunStepAsync(third.RunId, TimeSpan.FromHours(1), Ct)).Run!;
        Assert.Equal(25, other.Published);
        Assert.All(published.Drain(), p => Assert.Equal("v2", p.Job.ModelVersion));
    }

    [Fact]
    public async Task A_dry_run_counts_without_writing_or_publishing_and_empty_blobs_count_as_rejected()
    {
        await using var host = await TestHost.CreateAsync(azurite, steps: new CapturingSteps());
        var prefix = await FillArchiveAsync(host, 12, empty: 2);
        var bulk = host.Get<BulkReprocessService>();

        var run = await bulk.StartAsync(new BulkRunRequest(prefix, null, DryRun: true), Ct);
        var done = (await bulk.RunStepAsync(run.RunId, TimeSpan.FromHours(1), Ct)).Run!;

        Assert.Equal((12L, 10L, 0L, 2L), (done.Listed, done.Published, done.Skipped, done.Rejected));
        Assert.Empty(host.Get<InMemoryScanJobPublisher>().Published);
        Assert.Empty((await host.Jobs.ListAsync(cancellationToken: Ct)).Jobs);
    }

    [Fact]
    public async Task Batches_are_throttled_by_scheduled_enqueue_time_and_a_spent_budget_pauses_the_run()
    {
        var clock = new ManualClock(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var steps = new CapturingSteps();
        await using var host = await TestHost.CreateAsync(azurite,
            new() { ["Bulk:BatchSize"] = "5", ["Bulk:MessagesPerMinute"] = "10" }, steps: steps, clock: clock);
        var prefix = await FillArchiveAsync(host, 15);
        var bulk = host.Get<BulkReprocessService>();
        var run = await bulk.StartAsync(new BulkRunRequest(prefix, null, false), Ct);

        // A zero budget does one page per step; each step asks for the next.
        BulkStepResult result;
        var stepsRun = 0;
        do
        {
            result = await bulk.ContinueAsync(run.RunId, TimeSpan.Zero, Ct);
            stepsRun++;
        }
        while (result.Outcome == BulkStepOutcome.Paused);

        Assert.Equal(BulkStepOutcome.Completed, result.Outcome);
        Assert.Equal(3, stepsRun);
        Assert.Equal(3, steps.Requested.Count);
        var times = host.Get<InMemoryScanJobPublisher>().Published.Select(p => p.ScheduledEnqueueTime).Distinct().ToList();
        // 5 per batch at 10 per minute: the first batch now, then every 30 seconds.
        Assert.Equal([null, clock.Now.AddSeconds(30), clock.Now.AddSeconds(60)], times);
        // The records know when their message becomes visible, so the expiry sweep counts a throttled job's wait from then.
        var recorded = (await host.Jobs.ListAsync(pageSize: 100, cancellationToken: Ct)).Jobs.Select(j => j.ScheduledFor).Distinct().Order().ToList();
        Assert.Equal([null, clock.Now.AddSeconds(30), clock.Now.AddSeconds(60)], recorded);
    }

    [Fact]
    public async Task A_run_keeps_at_most_its_window_of_jobs_unfinished_and_goes_on_as_they_end_failed_ones_included()
    {
        // A run published at Bulk:MessagesPerMinute whatever the workers drained: the queue stayed hundreds deep for hours,
        // the scan-jobs-backlog alert fired on every large run, and an upload waited behind all of it.
        var clock = new ManualClock(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var steps = new CapturingSteps();
        await using var host = await TestHost.CreateAsync(azurite,
            new() { ["Bulk:BatchSize"] = "10", ["Bulk:MaxOutstandingJobs"] = "8", ["Bulk:MessagesPerMinute"] = "1000000" }, steps: steps, clock: clock);
        var prefix = await FillArchiveAsync(host, 20);
        var bulk = host.Get<BulkReprocessService>();
        var published = host.Get<InMemoryScanJobPublisher>();
        var run = await bulk.StartAsync(new BulkRunRequest(prefix, null, false), Ct);

        // A zero budget does one page per step: the first page is cut to the window.
        var first = await bulk.ContinueAsync(run.RunId, TimeSpan.Zero, Ct);
        Assert.Equal((BulkStepOutcome.Paused, 8L), (first.Outcome, first.Run!.Published));
        var firstJobs = published.Drain();
        Assert.Equal(8, firstJobs.Count);

        // None has ended: the next step publishes nothing, records that it looked (the run is waiting, not stalled) and
        // asks for the next step (later: see the test below).
        clock.Now = clock.Now.AddMinutes(1);
        var waiting = await bulk.ContinueAsync(run.RunId, TimeSpan.Zero, Ct);
        Assert.Equal((BulkStepOutcome.Waiting, 8L, 1), (waiting.Outcome, waiting.Run!.Published, waiting.Run.Pages));
        Assert.Empty(published.Drain());
        Assert.Equal(clock.Now, waiting.Run.UpdatedAt);
        Assert.Equal(8, BulkRunProgress.From(waiting.Run, clock.Now).Outstanding);
        Assert.Equal(3, steps.Requested.Count);

        // Three succeed and the worker fails one (dead-lettered as malformed): a Failed job is final, so four places free up.
        foreach (var ended in firstJobs.Take(3))
        {
            await SucceedAsync(host, ended.Job);
        }

        await FailAsync(host, firstJobs[3].Job, "Malformed");
        var next = await bulk.ContinueAsync(run.RunId, TimeSpan.Zero, Ct);
        var nextJobs = published.Drain();
        Assert.Equal((4, 12L, 8), (nextJobs.Count, next.Run!.Published, BulkRunProgress.From(next.Run, clock.Now).Outstanding));

        // As the rest end, the run goes on to the end, never more than 8 unfinished at once.
        var unfinished = firstJobs.Skip(4).Concat(nextJobs).Select(p => p.Job).ToList();
        var result = next;
        while (result.Outcome == BulkStepOutcome.Paused)
        {
            foreach (var job in unfinished)
            {
                await SucceedAsync(host, job);
            }

            result = await bulk.ContinueAsync(run.RunId, TimeSpan.Zero, Ct);
            unfinished = [.. published.Drain().Select(p => p.Job)];
            Assert.InRange(unfinished.Count, 0, 8);
        }

        Assert.Equal(BulkStepOutcome.Completed, result.Outcome);
        Assert.Equal((20L, 20L), (result.Run!.Listed, result.Run.Published));
    }

    [Fact]
    public async Task A_run_whose_full_window_does_not_drain_for_hours_is_reported_stalled_while_its_steps_still_look()
    {
        // The ScanJob queue was purged: no job of the window ever ended, the run waited for the expiry sweep (~49 h), and
        // GET never said so, since each step that looked recorded progress (updatedAt).
        var start = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var clock = new ManualClock(start);
        await using var host = await TestHost.CreateAsync(azurite,
            new() { ["Bulk:BatchSize"] = "10", ["Bulk:MaxOutstandingJobs"] = "8", ["Bulk:MessagesPerMinute"] = "1000000" }, steps: new CapturingSteps(), clock: clock);
        var prefix = await FillArchiveAsync(host, 20);
        var bulk = host.Get<BulkReprocessService>();
        var run = await bulk.StartAsync(new BulkRunRequest(prefix, null, false), Ct);
        Assert.Equal(BulkStepOutcome.Paused, (await bulk.ContinueAsync(run.RunId, TimeSpan.Zero, Ct)).Outcome);
        var jobs = host.Get<InMemoryScanJobPublisher>().Drain();

        // Its steps keep looking (every 10 s in truth; every half hour here), none of the 8 jobs ending.
        BulkRunProgress shown;
        do
        {
            clock.Now = clock.Now.AddMinutes(30);
            Assert.Equal(BulkStepOutcome.Waiting, (await bulk.ContinueAsync(run.RunId, TimeSpan.Zero, Ct)).Outcome);
            shown = Progress(await GetAsync(host, run.RunId));
            Assert.Equal(clock.Now, shown.UpdatedAt);
            if (clock.Now - start <= BulkRunStall.WindowNotDrainingAfter)
            {
                Assert.Null(shown.Stalled);
            }
        }
        while (clock.Now - start <= BulkRunStall.WindowNotDrainingAfter);

        Assert.Equal((BulkRunState.Running, 8), (shown.State, shown.Outstanding));
        Assert.Equal(start, shown.Stalled!.LastProgressAt); // when the window last had room
        Assert.Contains("6 hours", shown.Stalled.Detail, StringComparison.Ordinal);
        Assert.Contains("Expiry__MessageTimeToLiveHours", shown.Stalled.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("bulk-reprocess-poison", shown.Stalled.Detail, StringComparison.Ordinal);

        // One job ends: the window moves again, at once in the answer and for the next step.
        await SucceedAsync(host, jobs[0].Job);
        Assert.Null(Progress(await GetAsync(host, run.RunId)).Stalled);
        clock.Now = clock.Now.AddMinutes(30);
        Assert.Equal(BulkStepOutcome.Waiting, (await bulk.ContinueAsync(run.RunId, TimeSpan.Zero, Ct)).Outcome); // 1 free < a quarter of 8
        Assert.Equal(clock.Now, (await bulk.GetAsync(run.RunId, Ct))!.WindowMovedAt);
        clock.Now = clock.Now.AddMinutes(10);
        Assert.Null(Progress(await GetAsync(host, run.RunId)).Stalled);
    }

    private static BulkRunProgress Progress(IActionResult answer) => Assert.IsType<BulkRunProgress>(Assert.IsType<OkObjectResult>(answer).Value);

    [Fact]
    public async Task A_runs_outstanding_jobs_are_those_still_unfinished_when_asked_also_once_the_run_is_over()
    {
        // A run showed the count of its last checkpoint for good: a Completed run said 3 outstanding after its jobs had
        // all ended, and went on saying it.
        await using var host = await TestHost.CreateAsync(azurite, new() { ["Bulk:MessagesPerMinute"] = "1000000" }, steps: new CapturingSteps());
        var prefix = await FillArchiveAsync(host, 3);
        var published = host.Get<InMemoryScanJobPublisher>();
        var run = await RunToTheEndAsync(host.Get<BulkReprocessService>(), new BulkRunRequest(prefix, null, false));
        var jobs = published.Drain();
        Assert.Equal(3, ShownOutstanding(await GetAsync(host, run.RunId)));

        await SucceedAsync(host, jobs[0].Job);
        await FailAsync(host, jobs[1].Job, "Malformed");
        Assert.Equal(1, ShownOutstanding(await GetAsync(host, run.RunId)));

        await SucceedAsync(host, jobs[2].Job);
        var done = await GetAsync(host, run.RunId);
        Assert.Equal((BulkRunState.Completed, 0), (Assert.IsType<BulkRunProgress>(Assert.IsType<OkObjectResult>(done).Value).State, ShownOutstanding(done)));
    }

    [Fact]
    public async Task A_run_asked_for_while_the_job_table_is_missing_is_a_503_problem_naming_the_missing_table_type()
    {
        await using var host = await TestHost.CreateAsync(azurite, new() { ["Bulk:MessagesPerMinute"] = "1000000" }, steps: new CapturingSteps());
        var prefix = await FillArchiveAsync(host, 1);
        var run = await RunToTheEndAsync(host.Get<BulkReprocessService>(), new BulkRunRequest(prefix, null, false));
        await host.JobsTable.DeleteAsync(Ct);

        var problem = Assert.IsType<ObjectResult>(await GetAsync(host, run.RunId));

        Assert.Equal((503, Problems.JobTableMissingType), (problem.StatusCode, Assert.IsType<ProblemDetails>(problem.Value).Type));
    }

    private static Task<IActionResult> GetAsync(TestHost host, string runId) => host.Function<GetReprocessRun>().Run(HttpRequests.Create("GET"), runId, Ct);

    private static int ShownOutstanding(IActionResult answer) => Assert.IsType<BulkRunProgress>(Assert.IsType<OkObjectResult>(answer).Value).Outstanding;

    [Fact]
    public async Task A_step_whose_run_has_no_room_ends_at_once_and_asks_for_the_next_step_after_the_poll_interval()
    {
        // A step whose run had no room slept in the function, 10 s at a time, for its whole 3-minute budget, then handed
        // over to a next step that slept again: for as long as a run waited for its jobs, a function ran (and was billed)
        // doing nothing. The step now records that it looked and asks for the next step 10 s later, on the queue.
        var clock = new ManualClock(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var steps = new CapturingSteps();
        await using var host = await TestHost.CreateAsync(azurite,
            new() { ["Bulk:BatchSize"] = "10", ["Bulk:MaxOutstandingJobs"] = "8", ["Bulk:MessagesPerMinute"] = "1000000" }, steps: steps, clock: clock);
        var prefix = await FillArchiveAsync(host, 20);
        var bulk = host.Get<BulkReprocessService>();
        var published = host.Get<InMemoryScanJobPublisher>();
        var run = await bulk.StartAsync(new BulkRunRequest(prefix, null, false), Ct);
        var first = await bulk.ContinueAsync(run.RunId, TimeSpan.Zero, Ct);
        Assert.Equal((BulkStepOutcome.Paused, 8), (first.Outcome, published.Drain().Count));
        Assert.Equal((run.RunId, TimeSpan.Zero), steps.Delayed.Last());

        // A whole step's budget, none of the 8 jobs ending: bounded well below the budget, so that a step that waits fails.
        clock.Now = clock.Now.AddMinutes(1);
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        bounded.CancelAfter(TimeSpan.FromSeconds(30));
        var waiting = await bulk.ContinueAsync(run.RunId, BulkReprocessService.DefaultStepBudget, bounded.Token);

        Assert.Equal((BulkStepOutcome.Waiting, 8L, 8), (waiting.Outcome, waiting.Run!.Published, waiting.Run.Outstanding.Count));
        Assert.Empty(published.Drain());
        Assert.Equal(clock.Now, (await bulk.GetAsync(run.RunId, Ct))!.UpdatedAt);
        Assert.Equal((run.RunId, BulkRunWindow.PollInterval), steps.Delayed.Last());
    }

    [Fact]
    public async Task The_step_queue_hides_a_delayed_step_until_its_delay_has_passed()
    {
        // A run waiting for its jobs asks for its next step later; delivered at once, the step would find no room again.
        var queue = new QueueClient(azurite.ConnectionString, $"steps{Guid.NewGuid():N}");
        await queue.CreateAsync(cancellationToken: Ct);
        var steps = new StorageQueueBulkStepQueue(queue);

        await steps.EnqueueAsync("r-later", TimeSpan.FromMinutes(5), Ct);
        Assert.Empty((await queue.PeekMessagesAsync(maxMessages: 32, cancellationToken: Ct)).Value);

        await steps.EnqueueAsync("r-now", TimeSpan.Zero, Ct);
        var visible = Assert.Single((await queue.PeekMessagesAsync(maxMessages: 32, cancellationToken: Ct)).Value);
        Assert.Equal(QueueTriggerText.Encode("r-now"), visible.MessageText);
    }

    [Fact]
    public async Task A_batch_larger_than_the_rate_is_spread_so_that_no_minute_gets_more_than_the_rate()
    {
        var clock = new ManualClock(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var host = await TestHost.CreateAsync(azurite,
            new() { ["Bulk:BatchSize"] = "10", ["Bulk:MessagesPerMinute"] = "4" }, steps: new CapturingSteps(), clock: clock);
        var prefix = await FillArchiveAsync(host, 10);
        var bulk = host.Get<BulkReprocessService>();
        var run = await bulk.StartAsync(new BulkRunRequest(prefix, null, false), Ct);

        Assert.Equal(BulkStepOutcome.Completed, (await bulk.ContinueAsync(run.RunId, TimeSpan.FromMinutes(5), Ct)).Outcome);

        var perMinute = host.Get<InMemoryScanJobPublisher>().Published.GroupBy(p => p.ScheduledEnqueueTime).Select(g => (g.Key, g.Count())).ToList();
        // One page of 10 at 4 per minute: 4 now, 4 a minute later, 2 a minute after that.
        Assert.Equal([(null, 4), (clock.Now.AddMinutes(1), 4), (clock.Now.AddMinutes(2), 2)], perMinute);
    }

    [Fact]
    public async Task A_step_retried_after_part_of_a_page_went_out_counts_every_job_published_and_keeps_the_pace()
    {
        var clock = new ManualClock(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var publisher = new SecondBatchFailsOncePublisher();
        await using var host = await TestHost.CreateAsync(azurite,
            new() { ["Bulk:BatchSize"] = "10", ["Bulk:MessagesPerMinute"] = "4" }, publisher: publisher, steps: new CapturingSteps(), clock: clock);
        var prefix = await FillArchiveAsync(host, 10);
        var bulk = host.Get<BulkReprocessService>();
        var run = await bulk.StartAsync(new BulkRunRequest(prefix, null, false), Ct);

        // The page's second slice meets a queue outage: the step fails after the first slice went out, and is redelivered.
        await Assert.ThrowsAsync<Azure.RequestFailedException>(() => bulk.RunStepAsync(run.RunId, TimeSpan.FromMinutes(5), Ct));
        var retried = await bulk.RunStepAsync(run.RunId, TimeSpan.FromMinutes(5), Ct);

        Assert.Equal(BulkStepOutcome.Completed, retried.Outcome);
        Assert.Equal((10L, 10L, 0L), (retried.Run!.Listed, retried.Run.Published, retried.Run.Skipped));
        Assert.Equal(10, publisher.Published.Select(p => p.Job.ScanId).Distinct().Count());
        var perMinute = publisher.Published.GroupBy(p => p.ScheduledEnqueueTime).Select(g => (g.Key, g.Count())).ToList();
        Assert.All(perMinute, minute => Assert.InRange(minute.Item2, 1, 4));
        Assert.Equal([(null, 4), (clock.Now.AddMinutes(1), 4), (clock.Now.AddMinutes(2), 2)], perMinute);
    }

    [Fact]
    public async Task A_step_retried_after_a_slice_went_out_in_part_publishes_each_job_once_and_keeps_the_pace()
    {
        // A Storage Queue sends a slice one message at a time: the outage can come after some of them went out. Left
        // unconfirmed, those were published again by the retry, and the worker got two ScanJobs for one job.
        var clock = new ManualClock(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var publisher = new SecondBatchSendsOneThenFailsPublisher();
        await using var host = await TestHost.CreateAsync(azurite,
            new() { ["Bulk:BatchSize"] = "10", ["Bulk:MessagesPerMinute"] = "4" }, publisher: publisher, steps: new CapturingSteps(), clock: clock);
        var prefix = await FillArchiveAsync(host, 10);
        var bulk = host.Get<BulkReprocessService>();
        var run = await bulk.StartAsync(new BulkRunRequest(prefix, null, false), Ct);

        var error = await Assert.ThrowsAsync<ScanJobBatchPartlySentException>(() => bulk.RunStepAsync(run.RunId, TimeSpan.FromMinutes(5), Ct));
        var sentInPart = Assert.Single(error.Sent);
        Assert.NotNull((await host.Jobs.GetAsync(sentInPart.ScanId, "v1", Ct))!.QueuedAt);
        var retried = await bulk.RunStepAsync(run.RunId, TimeSpan.FromMinutes(5), Ct);

        Assert.Equal(BulkStepOutcome.Completed, retried.Outcome);
        Assert.Equal((10L, 10L, 0L), (retried.Run!.Listed, retried.Run.Published, retried.Run.Skipped));
        Assert.Equal(10, publisher.Published.Count);
        Assert.Equal(10, publisher.Published.Select(p => p.Job.ScanId).Distinct().Count());
        // The slice that went out in part keeps its minute: the retry's jobs come after it, and no minute gets more than 4.
        var perMinute = publisher.Published.GroupBy(p => p.ScheduledEnqueueTime).Select(g => (g.Key, g.Count())).ToList();
        Assert.Equal([(null, 4), (clock.Now.AddMinutes(1), 1), (clock.Now.AddMinutes(2), 4), (clock.Now.AddMinutes(3), 1)], perMinute);
    }

    [Fact]
    public async Task A_step_that_dies_after_a_slice_went_out_leaves_that_slice_in_the_runs_window()
    {
        // The slice's jobs joined the window only with the schedule saved after the publish: a step that died in between
        // (the process killed, the function timed out) left them out. Its retry found them again only by listing the
        // same files; a step poisoned instead left the run showing 0 outstanding with 4 of its jobs on the queue, and a
        // retry that listed other files had room for 4 jobs too many.
        var clock = new ManualClock(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var publisher = new DiesAfterFirstBatchPublisher();
        await using var host = await TestHost.CreateAsync(azurite,
            new() { ["Bulk:BatchSize"] = "10", ["Bulk:MessagesPerMinute"] = "4" }, publisher: publisher, steps: new CapturingSteps(), clock: clock);
        var prefix = await FillArchiveAsync(host, 10);
        var bulk = host.Get<BulkReprocessService>();
        var run = await bulk.StartAsync(new BulkRunRequest(prefix, null, false), Ct);

        await Assert.ThrowsAsync<ProcessDiedException>(() => bulk.RunStepAsync(run.RunId, TimeSpan.FromMinutes(5), Ct));

        var sent = publisher.Inner.Published.Select(p => p.Job.ScanId).ToList();
        Assert.Equal(4, sent.Count);
        Assert.Subset((await bulk.GetAsync(run.RunId, Ct))!.Outstanding.ToHashSet(), sent.ToHashSet());
        // Its step poisoned: the closed run still counts the jobs it has out.
        await host.Function<BulkReprocessStepPoisoned>().Run(run.RunId, Ct);
        var shown = Progress(await GetAsync(host, run.RunId));
        Assert.Equal(BulkRunState.Stopped, shown.State);
        Assert.Equal(4, shown.Outstanding);
    }

    [Fact]
    public async Task A_step_retried_after_its_page_failed_to_publish_publishes_that_page_and_does_not_wait_on_its_own_unsent_jobs()
    {
        // The page's jobs join the window before they go out. A publish that failed outright (a Service Bus outage) left
        // them there, reserved and never sent: the first page of a run fills the whole window (8 of 8), so its retry found
        // no room, waited for jobs that only the page it would not list could send, and the run sat Waiting until the
        // expiry sweep failed them some 49 hours on.
        var clock = new ManualClock(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var publisher = new OutagePublisher { FailsFor = _ => true };
        await using var host = await TestHost.CreateAsync(azurite,
            new() { ["Bulk:BatchSize"] = "10", ["Bulk:MaxOutstandingJobs"] = "8", ["Bulk:MessagesPerMinute"] = "1000000" }, publisher: publisher, steps: new CapturingSteps(), clock: clock);
        var prefix = await FillArchiveAsync(host, 20);
        var bulk = host.Get<BulkReprocessService>();
        var run = await bulk.StartAsync(new BulkRunRequest(prefix, null, false), Ct);

        await Assert.ThrowsAsync<Azure.RequestFailedException>(() => bulk.ContinueAsync(run.RunId, TimeSpan.Zero, Ct));
        // Not sent, but reserved: GET still counts them, as API.md says.
        Assert.Equal(8, Progress(await GetAsync(host, run.RunId)).Outstanding);

        // The outage is over; the queue redelivers the step a minute later.
        publisher.FailsFor = _ => false;
        clock.Now = clock.Now.AddMinutes(1);
        var retried = await bulk.ContinueAsync(run.RunId, TimeSpan.Zero, Ct);

        Assert.Equal((BulkStepOutcome.Paused, 1, 8L), (retried.Outcome, retried.Run!.Pages, retried.Run.Published));
        Assert.Equal(8, publisher.Published.Select(p => p.Job.ScanId).Distinct().Count());
        Assert.Equal(8, Progress(await GetAsync(host, run.RunId)).Outstanding);

        // Sent now, they hold the window as any published job does.
        var waiting = await bulk.ContinueAsync(run.RunId, TimeSpan.Zero, Ct);
        Assert.Equal((BulkStepOutcome.Waiting, 8), (waiting.Outcome, publisher.Published.Count));
    }

    private sealed class ProcessDiedException() : Exception("The process was killed.");

    /// <summary>Publishes its first batch, then dies before the step goes on (as a killed process would).</summary>
    private sealed class DiesAfterFirstBatchPublisher : IScanJobPublisher
    {
        public InMemoryScanJobPublisher Inner { get; } = new();

        public Task PublishAsync(ScanJob job, DateTimeOffset? scheduledEnqueueTime = null, CancellationToken cancellationToken = default) =>
            Inner.PublishAsync(job, scheduledEnqueueTime, cancellationToken);

        public async Task PublishBatchAsync(IReadOnlyList<ScanJob> jobs, DateTimeOffset? scheduledEnqueueTime = null, CancellationToken cancellationToken = default)
        {
            await Inner.PublishBatchAsync(jobs, scheduledEnqueueTime, cancellationToken);
            throw new ProcessDiedException();
        }
    }

    /// <summary>
    /// An in-memory publisher whose second batch sends its first job and then fails once, as a Storage Queue outage
    /// fails a batch part way through its sends.
    /// </summary>
    private sealed class SecondBatchSendsOneThenFailsPublisher : IScanJobPublisher
    {
        private readonly InMemoryScanJobPublisher inner = new();
        private int batches;

        public IReadOnlyList<PublishedScanJob> Published => inner.Published;

        public Task PublishAsync(ScanJob job, DateTimeOffset? scheduledEnqueueTime = null, CancellationToken cancellationToken = default) =>
            inner.PublishAsync(job, scheduledEnqueueTime, cancellationToken);

        public async Task PublishBatchAsync(IReadOnlyList<ScanJob> jobs, DateTimeOffset? scheduledEnqueueTime = null, CancellationToken cancellationToken = default)
        {
            if (Interlocked.Increment(ref batches) != 2)
            {
                await inner.PublishBatchAsync(jobs, scheduledEnqueueTime, cancellationToken);
                return;
            }

            await inner.PublishAsync(jobs[0], scheduledEnqueueTime, cancellationToken);
            throw new ScanJobBatchPartlySentException([jobs[0]], jobs.Count, new Azure.RequestFailedException(503, "The server is busy.", "ServerBusy", null));
        }
    }

    /// <summary>
    /// An in-memory publisher whose batch sends its first job and then fails, as a Storage Queue outage fails a batch part
    /// way through its sends; <see cref="BeforeFailing"/> runs between the two (another outage setting in).
    /// </summary>
    private sealed class SendsFirstThenFailsPublisher : IScanJobPublisher
    {
        private readonly InMemoryScanJobPublisher inner = new();

        public Action BeforeFailing { get; set; } = () => { };

        public Task PublishAsync(ScanJob job, DateTimeOffset? scheduledEnqueueTime = null, CancellationToken cancellationToken = default) =>
            inner.PublishAsync(job, scheduledEnqueueTime, cancellationToken);

        public async Task PublishBatchAsync(IReadOnlyList<ScanJob> jobs, DateTimeOffset? scheduledEnqueueTime = null, CancellationToken cancellationToken = default)
        {
            await inner.PublishAsync(jobs[0], scheduledEnqueueTime, cancellationToken);
            BeforeFailing();
            throw new ScanJobBatchPartlySentException([jobs[0]], jobs.Count, new Azure.RequestFailedException(503, "The server is busy.", "ServerBusy", null));
        }
    }

    /// <summary>An in-memory publisher whose second batch fails once, as a queue outage (503 ServerBusy) fails it.</summary>
    private sealed class SecondBatchFailsOncePublisher : IScanJobPublisher
    {
        private readonly InMemoryScanJobPublisher inner = new();
        private int batches;

        public IReadOnlyList<PublishedScanJob> Published => inner.Published;

        public Task PublishAsync(ScanJob job, DateTimeOffset? scheduledEnqueueTime = null, CancellationToken cancellationToken = default) =>
            inner.PublishAsync(job, scheduledEnqueueTime, cancellationToken);

        public Task PublishBatchAsync(IReadOnlyList<ScanJob> jobs, DateTimeOffset? scheduledEnqueueTime = null, CancellationToken cancellationToken = default) =>
            Interlocked.Increment(ref batches) == 2
                ? throw new Azure.RequestFailedException(503, "The server is busy.", "ServerBusy", null)
                : inner.PublishBatchAsync(jobs, scheduledEnqueueTime, cancellationToken);
    }

    [Fact]
    public async Task A_rejected_file_its_owner_deletes_while_the_run_records_it_leaves_no_name_in_the_job_table()
    {
        OwnerDeletesOnFirstReadJobStore? store = null;
        await using var host = await TestHost.CreateAsync(azurite, steps: new CapturingSteps(), jobStore: (table, clock) => store = new(table, clock));
        var prefix = await FillArchiveAsync(host, 1, empty: 1); // empty: the admission rule refuses it
        var (file, scanId, erasure) = await OwnerDeletesAtFirstReadAsync(host, store!, $"{prefix}patient-0000/scan.dcm");
        var bulk = host.Get<BulkReprocessService>();
        var run = await bulk.StartAsync(new BulkRunRequest(prefix, null, false), Ct);

        var done = (await bulk.RunStepAsync(run.RunId, TimeSpan.FromHours(1), Ct)).Run!;

        Assert.Equal(1, done.Rejected);
        Assert.Equal([ScanErasureOutcome.NotFound], erasure); // the deletion's erasure came before the record
        Assert.False(await file.ExistsAsync(Ct));
        var record = (await host.Jobs.GetAsync(scanId, "v1", Ct))!;
        Assert.Null(record.SourceBlobUri);
        Assert.Null(record.SourceContentMd5);
        Assert.Equal((JobState.Failed, JobRecord.SourceMissingErrorCode), (record.State, record.ErrorCode));
        Assert.True(record.HasLostSource);
    }

    [Fact]
    public async Task A_file_its_owner_deletes_while_the_run_reserves_it_leaves_no_name_when_its_message_cannot_be_published()
    {
        OwnerDeletesOnFirstReadJobStore? store = null;
        var publisher = new OutagePublisher { FailsFor = _ => true };
        await using var host = await TestHost.CreateAsync(azurite, publisher: publisher, steps: new CapturingSteps(), jobStore: (table, clock) => store = new(table, clock));
        var prefix = await FillArchiveAsync(host, 1);
        var (_, scanId, erasure) = await OwnerDeletesAtFirstReadAsync(host, store!, $"{prefix}patient-0000/scan.dcm");
        var bulk = host.Get<BulkReprocessService>();
        var run = await bulk.StartAsync(new BulkRunRequest(prefix, null, false), Ct);

        // The step fails; its retry would list the page without the deleted file, and nothing would end the reservation
        // before the expiry sweep.
        await Assert.ThrowsAsync<Azure.RequestFailedException>(() => bulk.RunStepAsync(run.RunId, TimeSpan.FromHours(1), Ct));

        Assert.Equal([ScanErasureOutcome.NotFound], erasure);
        var record = (await host.Jobs.GetAsync(scanId, "v1", Ct))!;
        Assert.Null(record.SourceBlobUri);
        Assert.Equal((JobState.Failed, JobRecord.SourceMissingErrorCode), (record.State, record.ErrorCode));
    }

    [Theory]
    [InlineData(false, "(0 ")]
    [InlineData(true, "(404 TableNotFound;")]
    public async Task A_source_check_after_a_failed_publish_that_storage_gives_up_on_is_logged_and_the_publish_error_propagates(bool tableMissing, string logged)
    {
        // The queue and the job table go down together. The SDK reports the network faults it gave up on as an
        // AggregateException, which went past the check's catch of RequestFailedException and replaced the publish error
        // the step was rethrowing: the step's exceptions named the table instead of the queue outage that failed it. A job
        // table deleted meanwhile did the same as a JobTableMissingException.
        OwnerDeletesOnFirstReadJobStore? store = null;
        var outage = new TableOutage();
        var publisher = new OutagePublisher
        {
            FailsFor = _ =>
            {
                outage.Failure = tableMissing
                    ? () => new Azure.RequestFailedException(404, "The table specified does not exist.", "TableNotFound", null)
                    : () => new Azure.RequestFailedException("Connection refused.", new HttpRequestException("Connection refused"));
                return true;
            },
        };
        await using var host = await TestHost.CreateAsync(azurite, publisher: publisher, steps: new CapturingSteps(), jobStore: (table, clock) => store = new(table, clock), tableOptions: outage.Options());
        var prefix = await FillArchiveAsync(host, 1);
        var (_, scanId, _) = await OwnerDeletesAtFirstReadAsync(host, store!, $"{prefix}patient-0000/scan.dcm");
        var log = new CapturingLogger<BulkReprocessService>();
        var bulk = ActivatorUtilities.CreateInstance<BulkReprocessService>(host.Services, log);
        var run = await bulk.StartAsync(new BulkRunRequest(prefix, null, false), Ct);

        var error = await Assert.ThrowsAsync<Azure.RequestFailedException>(() => bulk.RunStepAsync(run.RunId, TimeSpan.FromHours(1), Ct));

        Assert.Equal((503, "ServerBusy"), (error.Status, error.ErrorCode));
        var warning = Assert.Single(log.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning);
        Assert.Contains($"Scan {scanId}: its message was not published, and checking whether its archive source still exists failed {logged}", warning.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("patient-", warning.Message, StringComparison.Ordinal);
        outage.Failure = null;
    }

    [Fact]
    public async Task A_slice_sent_in_part_whose_confirmation_storage_gives_up_on_still_throws_the_partly_sent_error_and_checks_the_unsent_sources()
    {
        // The step confirms the part that went out and saves the schedule before it rethrows. The job table failing there
        // too (the SDK giving up on network faults, an AggregateException) replaced the partly-sent error, and the check of
        // the unsent jobs' sources never ran: a file its owner deleted meanwhile kept its name in the reservation until
        // the expiry sweep, two days on.
        OwnerDeletesOnFirstReadJobStore? store = null;
        var outage = new TableOutage();
        var publisher = new SendsFirstThenFailsPublisher();
        await using var host = await TestHost.CreateAsync(azurite, new() { ["Bulk:BatchSize"] = "10" }, publisher: publisher, steps: new CapturingSteps(), jobStore: (table, clock) => store = new(table, clock), tableOptions: outage.Options());
        var prefix = await FillArchiveAsync(host, 2);
        var sentScanId = await host.ArchiveScanIdAsync($"{prefix}patient-0000/scan.dcm");
        var (_, unsentScanId, _) = await OwnerDeletesAtFirstReadAsync(host, store!, $"{prefix}patient-0001/scan.dcm");
        publisher.BeforeFailing = () => (outage.Failure, outage.Only) = (() => new Azure.RequestFailedException("Connection refused.", new HttpRequestException("Connection refused")), TableOutage.UriHolding(sentScanId));
        var log = new CapturingLogger<BulkReprocessService>();
        var bulk = ActivatorUtilities.CreateInstance<BulkReprocessService>(host.Services, log);
        var run = await bulk.StartAsync(new BulkRunRequest(prefix, null, false), Ct);

        var error = await Assert.ThrowsAsync<ScanJobBatchPartlySentException>(() => bulk.RunStepAsync(run.RunId, TimeSpan.FromHours(1), Ct));

        outage.Failure = null;
        Assert.Equal(sentScanId, Assert.Single(error.Sent).ScanId);
        var unsent = (await host.Jobs.GetAsync(unsentScanId, "v1", Ct))!;
        Assert.Null(unsent.SourceBlobUri);
        Assert.Equal((JobState.Failed, JobRecord.SourceMissingErrorCode), (unsent.State, unsent.ErrorCode));
        var warning = Assert.Single(log.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning);
        Assert.Contains($"Bulk run {run.RunId}: part of a slice went out, but recording it failed (0 ", warning.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// Arms <paramref name="store"/>: at the run's first read of the file's record, its owner deletes the file and the
    /// deletion's event is handled. Returns the file, its scan id, and the outcomes of the erasures the event ran.
    /// </summary>
    private static async Task<(Azure.Storage.Blobs.BlobClient File, string ScanId, List<ScanErasureOutcome?> Erasures)> OwnerDeletesAtFirstReadAsync(TestHost host, OwnerDeletesOnFirstReadJobStore store, string name)
    {
        var file = host.Blobs.GetBlobContainerClient(BlobLayout.ArchiveContainer).GetBlobClient(name);
        var erasures = new List<ScanErasureOutcome?>();
        store.ScanId = await host.ArchiveScanIdAsync(name);
        store.Deletion = async () =>
        {
            await file.DeleteAsync(cancellationToken: Ct);
            erasures.Add(await host.Get<ArchiveDeletionHandler>().HandleAsync(BinaryData.FromString(BlobDeletedEvents.For(file.Uri)), Ct));
        };
        return (file, store.ScanId, erasures);
    }

    [Fact]
    public async Task A_new_run_closes_a_run_that_made_no_progress_for_hours_and_clears_its_listing_place()
    {
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var host = await TestHost.CreateAsync(azurite, steps: new CapturingSteps(), clock: clock);
        var store = host.Get<BulkRunStore>();
        var bulk = host.Get<BulkReprocessService>();
        // Its step went to the poison queue two days ago; its checkpoint names the next archive blob.
        var poisoned = await RunningAsync(store, lastProgress: clock.Now.AddDays(-2), continuation: "Doe Jane/2024/scan.dcm");
        var working = await RunningAsync(store, lastProgress: clock.Now.AddMinutes(-2), continuation: "Roe Richard/2024/scan.dcm");

        var starting = await bulk.StartScheduledAsync(null, Ct);

        var closed = (await bulk.GetAsync(poisoned.RunId, Ct))!;
        Assert.Null(closed.Continuation);
        Assert.Equal((BulkRunState.Abandoned, clock.Now), (closed.State, closed.FinishedAt));
        var shown = BulkRunProgress.From(closed, clock.Now);
        Assert.Equal(BulkRunState.Abandoned, shown.State);
        Assert.Equal(BulkRunStopReason.NoProgress, shown.Stop!.Reason);
        Assert.Contains(starting.RunId, shown.Stop.Detail, StringComparison.Ordinal); // names the run that covers its scans
        Assert.DoesNotContain("Doe", shown.Stop.Detail, StringComparison.Ordinal);
        Assert.Null(shown.Stalled);
        var kept = (await bulk.GetAsync(working.RunId, Ct))!;
        Assert.Equal((BulkRunState.Running, "Roe Richard/2024/scan.dcm"), (kept.State, kept.Continuation));
        // A step of the closed run that was still waiting does nothing.
        Assert.Equal(BulkStepOutcome.Abandoned, (await bulk.RunStepAsync(poisoned.RunId, TimeSpan.FromHours(1), Ct)).Outcome);
    }

    [Fact]
    public async Task An_open_run_that_no_step_moved_for_longer_than_a_step_can_take_is_reported_stalled_with_its_last_progress()
    {
        // A step poisoned after its retries left the run Running, and GET answered as for a working run until a later run
        // closed it Abandoned six hours on.
        var clock = new ManualClock(DateTimeOffset.UtcNow);
        await using var host = await TestHost.CreateAsync(azurite, steps: new CapturingSteps(), clock: clock);
        var store = host.Get<BulkRunStore>();
        var lastProgress = clock.Now - BulkRunStall.After - TimeSpan.FromMinutes(1);
        var stalled = await RunningAsync(store, lastProgress, continuation: "Doe Jane/2024/scan.dcm");
        var working = await RunningAsync(store, clock.Now.AddMinutes(-2), continuation: "Roe Richard/2024/scan.dcm");
        var api = host.Function<GetReprocessRun>();

        var shownStalled = Assert.IsType<BulkRunProgress>(Assert.IsType<OkObjectResult>(await api.Run(HttpRequests.Create("GET"), stalled.RunId, Ct)).Value);
        var shownWorking = Assert.IsType<BulkRunProgress>(Assert.IsType<OkObjectResult>(await api.Run(HttpRequests.Create("GET"), working.RunId, Ct)).Value);

        Assert.Equal(BulkRunState.Running, shownStalled.State);
        Assert.Equal(lastProgress, shownStalled.Stalled!.LastProgressAt);
        Assert.Contains("bulk-reprocess-poison", shownStalled.Stalled.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("Doe", shownStalled.Stalled.Detail, StringComparison.Ordinal);
        Assert.Null(shownStalled.Stop);
        Assert.Null(shownWorking.Stalled);
        // A run long finished is not stalled.
        var done = (await store.TryReplaceAsync(stalled, stalled with { State = BulkRunState.Completed, Continuation = null, FinishedAt = lastProgress }, Ct))!;
        Assert.Null(BulkRunProgress.From(done, clock.Now).Stalled);
    }

    [Fact]
    public async Task A_run_whose_listing_place_is_refused_starts_the_listing_over_and_counts_one_pass()
    {
        await using var host = await TestHost.CreateAsync(azurite, new() { ["Bulk:MessagesPerMinute"] = "1000000" }, steps: new CapturingSteps());
        var prefix = await FillArchiveAsync(host, 3);
        const string StaleMarker = "a-marker-gone-stale";
        var run = await RunningAsync(host.Get<BulkRunStore>(), DateTimeOffset.UtcNow, StaleMarker, prefix);
        var bulk = ActivatorUtilities.CreateInstance<BulkReprocessService>(host.Services, new MarkerCheckingBlobService(host.ConnectionString, StaleMarker));

        var result = await bulk.RunStepAsync(run.RunId, TimeSpan.FromHours(1), Ct);

        Assert.Equal(BulkStepOutcome.Completed, result.Outcome);
        Assert.Equal((1, 3L, 3L, 0L), (result.Run!.Pages, result.Run.Listed, result.Run.Published, result.Run.Skipped));
        Assert.Equal(3, host.Get<InMemoryScanJobPublisher>().Published.Count);
    }

    /// <summary>A run some pages in, as its last checkpoint left it.</summary>
    private static async Task<BulkRun> RunningAsync(BulkRunStore store, DateTimeOffset lastProgress, string continuation, string prefix = "")
    {
        var (run, created) = await store.CreateAsync(new BulkRun
        {
            RunId = "r-" + Guid.NewGuid().ToString("N"),
            Prefix = prefix,
            ModelName = "brain-mri-demo",
            ModelVersion = "v1",
            State = BulkRunState.Running,
            Continuation = continuation,
            Pages = 5,
            Listed = 50,
            Published = 40,
            Skipped = 10,
            CreatedAt = lastProgress.AddHours(-1),
            UpdatedAt = lastProgress,
        }, Ct);
        Assert.True(created);
        return run;
    }

    [Fact]
    public async Task A_run_naming_an_error_code_resubmits_archive_jobs_failed_with_it_and_a_run_without_skips_them()
    {
        await using var host = await TestHost.CreateAsync(azurite, new() { ["Bulk:MessagesPerMinute"] = "1000000" }, steps: new CapturingSteps());
        var prefix = await FillArchiveAsync(host, 2);
        var bulk = host.Get<BulkReprocessService>();
        var published = host.Get<InMemoryScanJobPublisher>();
        await RunToTheEndAsync(bulk, new BulkRunRequest(prefix, null, false));
        var firstJobs = published.Drain();
        // The worker gave up on one during a storage outage; it found the other's file malformed, a verdict on the file.
        var outage = await FailAsync(host, firstJobs[0].Job, "StorageUnavailable");
        var malformed = await FailAsync(host, firstJobs[1].Job, "Malformed");

        var plain = await RunToTheEndAsync(bulk, new BulkRunRequest(prefix, null, false));
        var plainJobs = published.Drain();
        var retrying = await RunToTheEndAsync(bulk, new BulkRunRequest(prefix, null, false, RetryErrorCodes: ["StorageUnavailable"]));

        Assert.Equal((2L, 0L, 2L), (plain.Listed, plain.Published, plain.Skipped));
        Assert.Empty(plainJobs);
        Assert.Equal((2L, 1L, 1L), (retrying.Listed, retrying.Published, retrying.Skipped));
        Assert.Equal(["StorageUnavailable"], retrying.RetryErrorCodes);
        var resubmitted = Assert.Single(published.Drain()).Job;
        Assert.Equal(outage, resubmitted.ScanId);
        // A message id of its own: Service Bus would drop a repeat of the failed attempt's within its detection window.
        Assert.Equal($"{ScanJob.CreateMessageId(outage, resubmitted.SourceETag, "v1")}:r{retrying.CreatedAt.ToUnixTimeMilliseconds()}", resubmitted.MessageId);
        var record = (await host.Jobs.GetAsync(outage, "v1", Ct))!;
        Assert.Equal((JobState.Queued, null, retrying.RunId, resubmitted.MessageId), (record.State, record.ErrorCode, record.RunId, record.MessageId));
        var verdict = (await host.Jobs.GetAsync(malformed, "v1", Ct))!;
        Assert.Equal((JobState.Failed, "Malformed"), (verdict.State, verdict.ErrorCode));
    }

    [Theory]
    [InlineData("""{"retryErrorCodes":["Storage Unavailable"]}""")]
    [InlineData("""{"retryErrorCodes":["StorageUnavailable",null]}""")]
    [InlineData("""{"retryErrorCodes":["A1","A2","A3","A4","A5","A6","A7","A8","A9","A10","A11","A12","A13","A14","A15","A16","A17","A18","A19","A20","A21","A22","A23","A24","A25","A26","A27","A28","A29","A30","A31","A32","A33"]}""")]
    public async Task A_reprocess_request_with_bad_retry_error_codes_is_a_400_naming_the_field(string body)
    {
        var steps = new CapturingSteps();
        await using var host = await TestHost.CreateAsync(azurite, steps: steps);

        var result = Assert.IsType<ObjectResult>(await host.Function<StartReprocess>().Run(HttpRequests.Create("POST", body), Ct));

        Assert.Equal(400, result.StatusCode);
        Assert.Contains("'retryErrorCodes'", Assert.IsType<ProblemDetails>(result.Value).Detail, StringComparison.Ordinal);
        Assert.Empty(steps.Requested);
    }

    /// <summary>Starts a run and works it to the end; the run as it finished.</summary>
    private static async Task<BulkRun> RunToTheEndAsync(BulkReprocessService bulk, BulkRunRequest request)
    {
        var run = await bulk.StartAsync(request, Ct);
        var result = await bulk.RunStepAsync(run.RunId, TimeSpan.FromHours(1), Ct);
        Assert.Equal(BulkStepOutcome.Completed, result.Outcome);
        return result.Run!;
    }

    /// <summary>The published job as the worker leaves it when it succeeds.</summary>
    private static async Task SucceedAsync(TestHost host, ScanJob job)
    {
        var queued = (await host.Jobs.GetAsync(job.ScanId, job.ModelVersion, Ct))!;
        var processing = (await host.Jobs.TransitionAsync(queued, JobState.Processing, r => r with { Attempts = 1, StartedAt = DateTimeOffset.UtcNow }, Ct)).Record!;
        Assert.True((await host.Jobs.TransitionAsync(processing, JobState.Succeeded, r => r with { FinishedAt = DateTimeOffset.UtcNow }, Ct)).Succeeded);
    }

    /// <summary>The published job as the worker leaves it when it fails it with <paramref name="errorCode"/>; its scan id.</summary>
    private static async Task<string> FailAsync(TestHost host, ScanJob job, string errorCode)
    {
        var queued = (await host.Jobs.GetAsync(job.ScanId, job.ModelVersion, Ct))!;
        var processing = (await host.Jobs.TransitionAsync(queued, JobState.Processing, r => r with { Attempts = 5, StartedAt = DateTimeOffset.UtcNow }, Ct)).Record!;
        Assert.True((await host.Jobs.TransitionAsync(processing, JobState.Failed, r => r with { ErrorCode = errorCode, ErrorMessage = "Gave up.", FinishedAt = DateTimeOffset.UtcNow }, Ct)).Succeeded);
        return job.ScanId;
    }

    [Fact]
    public async Task The_reprocess_api_starts_a_run_and_reports_its_progress()
    {
        var steps = new CapturingSteps();
        await using var host = await TestHost.CreateAsync(azurite, steps: steps);
        var prefix = await FillArchiveAsync(host, 3);

        var started = await host.Function<StartReprocess>().Run(HttpRequests.Create("POST", $$"""{"prefix":"{{prefix}}","modelVersion":"v9","dryRun":false}"""), Ct);
        var accepted = Assert.IsType<AcceptedResult>(started);
        var progress = Assert.IsType<BulkRunProgress>(accepted.Value);
        Assert.Equal(BulkRunState.Pending, progress.State);
        Assert.Equal($"/api/reprocess/{progress.RunId}", accepted.Location);
        Assert.Equal(progress.RunId, Assert.Single(steps.Requested));

        await host.Function<BulkReprocessStep>().Run(progress.RunId, Ct);

        var shown = await host.Function<GetReprocessRun>().Run(HttpRequests.Create("GET"), progress.RunId, Ct);
        var done = Assert.IsType<BulkRunProgress>(Assert.IsType<OkObjectResult>(shown).Value);
        Assert.Equal((BulkRunState.Completed, 3L, "v9"), (done.State, done.Published, done.ModelVersion));
        Assert.NotNull(done.FinishedAt);
    }

    [Theory]
    [InlineData("""{"prefix":"../secrets"}""")]
    [InlineData("""{"prefix":"/abs"}""")]
    [InlineData("""{"modelVersion":"v1/../x"}""")]
    [InlineData("""not json""")]
    public async Task A_bad_reprocess_request_is_a_400_problem(string body)
    {
        await using var host = await TestHost.CreateAsync(azurite, steps: new CapturingSteps());
        var result = Assert.IsType<ObjectResult>(await host.Function<StartReprocess>().Run(HttpRequests.Create("POST", body), Ct));
        Assert.Equal(400, result.StatusCode);
        Assert.IsType<ProblemDetails>(result.Value);
    }

    [Fact]
    public async Task An_unknown_run_is_a_404_problem()
    {
        await using var host = await TestHost.CreateAsync(azurite, steps: new CapturingSteps());
        var result = Assert.IsType<ObjectResult>(await host.Function<GetReprocessRun>().Run(HttpRequests.Create("GET"), "r-unknown", Ct));
        Assert.Equal(404, result.StatusCode);
    }

    [Theory]
    [InlineData("r_1")]
    [InlineData("r-1'or'1")]
    [InlineData("")]
    public async Task A_run_id_that_cannot_be_a_table_key_is_a_400_problem(string runId)
    {
        await using var host = await TestHost.CreateAsync(azurite, steps: new CapturingSteps());
        var result = Assert.IsType<ObjectResult>(await host.Function<GetReprocessRun>().Run(HttpRequests.Create("GET"), runId, Ct));
        Assert.Equal(400, result.StatusCode);
    }

    [Fact]
    public async Task A_repeated_timer_tick_for_one_occurrence_starts_no_second_run_or_step()
    {
        var clock = new ManualClock(new DateTimeOffset(2031, 3, 4, 2, 0, 17, TimeSpan.Zero));
        var steps = new CapturingSteps();
        await using var host = await TestHost.CreateAsync(azurite, steps: steps, clock: clock);
        var timer = host.Function<BulkReprocessTimer>();

        await timer.Run(new Microsoft.Azure.Functions.Worker.TimerInfo(), Ct);
        clock.Now = clock.Now.AddSeconds(20);
        await timer.Run(new Microsoft.Azure.Functions.Worker.TimerInfo(), Ct);

        Assert.Equal(["scheduled-20310304-0200"], steps.Requested);
        var run = await host.Get<BulkReprocessService>().GetAsync("scheduled-20310304-0200", Ct);
        Assert.Equal((BulkRunTrigger.Timer, "", "v1"), (run!.Trigger, run.Prefix, run.ModelVersion));
    }

    [Fact]
    public async Task A_late_tick_for_an_occurrence_finds_that_occurrences_run_instead_of_starting_another()
    {
        var occurrence = new DateTime(2031, 5, 6, 2, 0, 0, DateTimeKind.Utc);
        var clock = new ManualClock(new DateTimeOffset(occurrence).AddSeconds(1));
        var steps = new CapturingSteps();
        await using var host = await TestHost.CreateAsync(azurite, steps: steps, clock: clock);
        var timer = host.Function<BulkReprocessTimer>();
        var status = new Microsoft.Azure.Functions.Worker.ScheduleStatus { Last = occurrence.AddDays(-1), Next = occurrence };

        await timer.Run(new Microsoft.Azure.Functions.Worker.TimerInfo { ScheduleStatus = status }, Ct);
        // The host restarted during the run and fires the same occurrence again, past due, seven minutes later.
        clock.Now = clock.Now.AddMinutes(7);
        await timer.Run(new Microsoft.Azure.Functions.Worker.TimerInfo { ScheduleStatus = status, IsPastDue = true }, Ct);

        Assert.Equal(["scheduled-20310506-0200"], steps.Requested);
        Assert.Null(await host.Get<BulkReprocessService>().GetAsync("scheduled-20310506-0207", Ct));
    }

    [Fact]
    public async Task A_run_whose_first_step_could_not_be_queued_gets_it_when_the_tick_is_retried_and_only_once()
    {
        var occurrence = new DateTime(2031, 7, 8, 2, 0, 0, DateTimeKind.Utc);
        var clock = new ManualClock(new DateTimeOffset(occurrence).AddSeconds(1));
        var steps = new FailingOnceSteps();
        await using var host = await TestHost.CreateAsync(azurite, steps: steps, clock: clock);
        var timer = host.Function<BulkReprocessTimer>();
        var tick = new Microsoft.Azure.Functions.Worker.TimerInfo { ScheduleStatus = new() { Next = occurrence } };

        var error = await Assert.ThrowsAsync<BulkRunNotStartedException>(() => timer.Run(tick, Ct));
        Assert.Equal("scheduled-20310708-0200", error.RunId);
        Assert.Equal(BulkRunState.Pending, (await host.Get<BulkReprocessService>().GetAsync(error.RunId, Ct))!.State);

        clock.Now = clock.Now.AddMinutes(1);
        await timer.Run(tick, Ct);
        await timer.Run(tick, Ct);

        Assert.Equal([error.RunId], steps.Recorded.Requested);
    }

    [Fact]
    public async Task A_reprocess_request_whose_run_could_not_be_started_answers_503_naming_the_run()
    {
        await using var host = await TestHost.CreateAsync(azurite, steps: new FailingOnceSteps());

        var answer = await host.Function<StartReprocess>().Run(HttpRequests.Create("POST", """{"dryRun":true}"""), Ct);

        var problem = Assert.IsType<ObjectResult>(answer);
        Assert.Equal(503, problem.StatusCode);
        var details = Assert.IsType<Microsoft.AspNetCore.Mvc.ProblemDetails>(problem.Value);
        Assert.Equal(Problems.RunNotStartedType, details.Type);
        Assert.Contains("could not be queued", details.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reprocess_request_whose_run_could_not_be_started_leaves_no_run_pending_for_ever()
    {
        await using var host = await TestHost.CreateAsync(azurite, steps: new FailingOnceSteps());
        var bulk = host.Get<BulkReprocessService>();

        var error = await Assert.ThrowsAsync<BulkRunNotStartedException>(() => bulk.StartAsync(new BulkRunRequest(null, null, DryRun: true), Ct));

        Assert.Null(await bulk.GetAsync(error.RunId, Ct));
        var retried = await bulk.StartAsync(new BulkRunRequest(null, null, DryRun: true), Ct);
        Assert.NotEqual(error.RunId, retried.RunId);
        Assert.NotNull(await bulk.GetAsync(retried.RunId, Ct));
    }

    [Fact]
    public async Task A_reprocess_request_cancelled_before_its_first_step_was_queued_leaves_no_run_pending_for_ever()
    {
        using var caller = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var steps = new CancelledSteps(caller);
        await using var host = await TestHost.CreateAsync(azurite, steps: steps);
        var bulk = host.Get<BulkReprocessService>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => bulk.StartAsync(new BulkRunRequest(null, null, DryRun: true), caller.Token));

        var runId = Assert.Single(steps.Attempted);
        Assert.Null(await bulk.GetAsync(runId, Ct));
    }

    [Fact]
    public async Task A_reprocess_request_cancelled_after_its_first_step_send_met_network_faults_leaves_no_run_pending_for_ever()
    {
        // The SDK's retry policy ends a write whose caller left during a retry with an AggregateException: the network
        // faults of the tries before and the cancelled try. No OperationCanceledException, so the start's catch of one
        // missed it; only a failed write answered as run-not-started removes the run's record.
        using var caller = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var steps = new CancelledSteps(caller, afterNetworkFaults: true);
        await using var host = await TestHost.CreateAsync(azurite, steps: steps);
        var bulk = host.Get<BulkReprocessService>();

        var error = await Assert.ThrowsAsync<BulkRunNotStartedException>(() => bulk.StartAsync(new BulkRunRequest(null, null, DryRun: true), caller.Token));

        Assert.Equal(Assert.Single(steps.Attempted), error.RunId);
        Assert.Null(await bulk.GetAsync(error.RunId, Ct));
    }

    /// <summary>
    /// A step queue whose write the HTTP caller cancels by going away during it (its token cancelled, unlike a write that
    /// outlasts its network timeout, <see cref="MessagingFailureApiTests"/>); it records which run asked. With
    /// <paramref name="afterNetworkFaults"/>, the cancelled try came after two that met network faults, and the write
    /// ends as the SDK's retry policy ends it then: all three tries in one AggregateException.
    /// </summary>
    private sealed class CancelledSteps(CancellationTokenSource caller, bool afterNetworkFaults = false) : IBulkStepQueue
    {
        public System.Collections.Concurrent.ConcurrentQueue<string> Attempted { get; } = new();

        public async Task EnqueueAsync(string runId, TimeSpan delay, CancellationToken cancellationToken = default)
        {
            Attempted.Enqueue(runId);
            await caller.CancelAsync();
            if (afterNetworkFaults)
            {
                throw new AggregateException(
                    new IOException("Connection reset by peer."),
                    new IOException("Connection reset by peer."),
                    new TaskCanceledException("A task was canceled.", null, cancellationToken));
            }

            cancellationToken.ThrowIfCancellationRequested();
        }
    }
}
