using Microsoft.Extensions.Logging;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Messaging;
using Synomaly.GpuWorker.Processing;
using Synomaly.GpuWorker.Results;
using Synomaly.GpuWorker.Status;
using Synomaly.GpuWorker.Tests.Support;
using Synomaly.Storage.Jobs;

namespace Synomaly.GpuWorker.Tests;

/// <summary>Every settlement path of the handler, driven through the in-memory transport.</summary>
public sealed class ScanJobHandlerInMemoryTests
{
    /// <summary>
    /// How long a test waits in real time for what will come (a message, a model call, a job's end): a guard against a
    /// hang, not a speed target. A 10 s guard of this kind ran out on a loaded 2-core machine with no bug.
    /// </summary>
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private static Task<JobOutcome> ReceiveAndHandleAsync(WorkerHarness harness, InMemoryScanJobSource source) =>
        ReceiveAndHandleUntilAsync(harness, source, CancellationToken.None);

    private static async Task<JobOutcome> ReceiveAndHandleUntilAsync(WorkerHarness harness, InMemoryScanJobSource source, CancellationToken shutdown)
    {
        var delivery = await source.ReceiveAsync(Wait, TestContext.Current.CancellationToken);
        Assert.NotNull(delivery);
        return await harness.Handler.HandleAsync(delivery, shutdown);
    }

    private static void Enqueue(InMemoryScanJobSource source, ScanJob job, int previousDeliveries = 0) =>
        source.Enqueue(BinaryData.FromBytes(ScanJobSerializer.Serialize(job)), job.MessageId, previousDeliveries);

    [Fact]
    public async Task A_good_scan_is_completed_with_results_and_a_succeeded_status()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-ok", FakeScanCodec.Scan(3, 0.25f));
        Enqueue(source, job);

        Assert.Equal(JobOutcome.Succeeded, await ReceiveAndHandleAsync(harness, source));

        var settlement = Assert.Single(source.Settlements);
        Assert.Equal(SettlementKind.Completed, settlement.Kind);
        Assert.Equal(job.MessageId, settlement.MessageId);
        var record = harness.Record(job)!;
        Assert.Equal(JobState.Succeeded, record.State);
        Assert.Equal([JobState.Processing, JobState.Succeeded], record.History);
        Assert.Equal("scan-ok/1.0.0/0x8DD0001/", record.ResultsPrefix);
        Assert.Equal(
            ["scan-ok/1.0.0/0x8DD0001/maps/0000.txt", "scan-ok/1.0.0/0x8DD0001/maps/0001.txt", "scan-ok/1.0.0/0x8DD0001/maps/0002.txt", "scan-ok/1.0.0/0x8DD0001/report.json"],
            harness.ResultPaths(job));
        Assert.Equal("scores:0.25,0.26,0.27", harness.Storage.Results["scan-ok/1.0.0/0x8DD0001/report.json"].ToString());
    }

    [Fact]
    public async Task A_job_asking_for_the_default_alias_runs_and_reports_the_cards_default_profile_by_name()
    {
        await using var harness = new WorkerHarness();
        harness.Model.CardDefaultProfile = "brain-mri";
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-alias", FakeScanCodec.Scan(2, 0.25f));
        Assert.Equal(InferenceProfileNames.Default, job.InferenceProfile);
        Enqueue(source, job);

        Assert.Equal(JobOutcome.Succeeded, await ReceiveAndHandleAsync(harness, source));

        Assert.Equal(["brain-mri"], harness.Codec.ReportedProfiles);
        Assert.All(harness.Model.Profiles, p => Assert.Equal("brain-mri", p));
    }

    [Fact]
    public async Task A_corrupt_scan_is_dead_lettered_at_once_with_its_typed_reason_and_the_job_failed()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-corrupt", FakeScanCodec.Corrupt);
        Enqueue(source, job);

        Assert.Equal(JobOutcome.DeadLettered, await ReceiveAndHandleAsync(harness, source));

        var settlement = Assert.Single(source.Settlements);
        Assert.Equal(SettlementKind.DeadLettered, settlement.Kind);
        Assert.Equal("Malformed", settlement.Reason);
        Assert.Equal(1, settlement.DeliveryCount);
        var record = harness.Record(job)!;
        Assert.Equal(JobState.Failed, record.State);
        Assert.Equal("Malformed", record.ErrorCode);
        Assert.Contains("corrupt", record.ErrorMessage, StringComparison.Ordinal);
        Assert.Empty(harness.Model.Calls);
        Assert.Empty(harness.ResultPaths(job));
    }

    [Fact]
    public async Task Slices_of_the_wrong_size_are_dead_lettered_as_wrong_dimensions()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-size", FakeScanCodec.WrongSize(5));
        Enqueue(source, job);

        Assert.Equal(JobOutcome.DeadLettered, await ReceiveAndHandleAsync(harness, source));

        Assert.Equal(JobRejectedException.WrongDimensions, Assert.Single(source.Settlements).Reason);
        Assert.Equal(JobRejectedException.WrongDimensions, harness.Record(job)!.ErrorCode);
        Assert.Empty(harness.Model.Calls);
        Assert.DoesNotContain(harness.HandlerLog.Entries, e => e.Message.Contains("gave up after", StringComparison.Ordinal)); // bad input is no fault
    }

    [Theory]
    [InlineData("liver-ct", "1.0.0")]
    [InlineData("test-model", "2.0.0")]
    public async Task A_job_for_another_model_or_version_fails_without_running_the_served_model(string modelName, string modelVersion)
    {
        // The fake serves test-model 1.0.0.
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-other-model", FakeScanCodec.Scan(2, 0.5f)) with { ModelName = modelName, ModelVersion = modelVersion };
        Enqueue(source, job);

        Assert.Equal(JobOutcome.DeadLettered, await ReceiveAndHandleAsync(harness, source));

        Assert.Equal(JobRejectedException.ModelVersionMismatch, Assert.Single(source.Settlements).Reason);
        var record = harness.Record(job)!;
        Assert.Equal((JobState.Failed, JobRejectedException.ModelVersionMismatch), (record.State, record.ErrorCode));
        Assert.Contains($"model {modelName} {modelVersion}; this worker serves test-model 1.0.0", record.ErrorMessage, StringComparison.Ordinal);
        Assert.Empty(harness.Model.Calls);
        Assert.Empty(harness.ResultPaths(job));
    }

    [Fact]
    public async Task A_message_that_is_not_a_scan_job_is_dead_lettered_without_touching_any_job()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        source.Enqueue(BinaryData.FromString("{not json"), "garbage-1");

        Assert.Equal(JobOutcome.DeadLettered, await ReceiveAndHandleAsync(harness, source));

        var settlement = Assert.Single(source.Settlements);
        Assert.Equal(SettlementKind.DeadLettered, settlement.Kind);
        Assert.Equal(FailureClassifier.InvalidScanJob, settlement.Reason);
        Assert.Equal(0, harness.Storage.Reads);
    }

    [Fact]
    public async Task A_message_with_a_null_source_uri_is_dead_lettered_as_invalid_without_touching_any_job()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        source.Enqueue(BinaryData.FromString("{\"schemaVersion\":1,\"scanId\":\"scan-null-uri\",\"sourceBlobUri\":null,\"sourceETag\":\"e\",\"modelName\":\"test-model\",\"modelVersion\":\"1.0.0\",\"correlationId\":\"c\",\"submittedAt\":\"2026-01-01T00:00:00Z\"}"), "null-uri-1");

        Assert.Equal(JobOutcome.DeadLettered, await ReceiveAndHandleAsync(harness, source));

        var settlement = Assert.Single(source.Settlements);
        Assert.Equal((SettlementKind.DeadLettered, FailureClassifier.InvalidScanJob), (settlement.Kind, settlement.Reason));
        Assert.Contains("sourceBlobUri", settlement.Description, StringComparison.Ordinal);
        Assert.Null(harness.Status.Get("scan-null-uri", "1.0.0"));
        Assert.Equal(0, harness.Storage.Reads);
    }

    /// <summary>An archive job as a reprocessing run queues it: the record names the archive path, the message does not.</summary>
    private static ScanJob QueueArchiveJob(WorkerHarness harness, string scanId, bool withRecord)
    {
        var archivePath = new Uri($"http://127.0.0.1:10000/devstoreaccount1/archive/2024/{scanId}-Doe-Jane.nii.gz");
        var archived = harness.AddJob(scanId, FakeScanCodec.Scan(2, 0.25f)) with { Origin = JobOrigin.Bulk, SourceBlobUri = archivePath };
        harness.Storage.AddSource(archivePath, FakeScanCodec.Scan(2, 0.25f));
        if (withRecord)
        {
            harness.Status.Queue(archived);
        }

        return archived.ForQueue();
    }

    [Fact]
    public async Task An_archive_job_whose_message_names_no_source_reads_it_from_the_job_record_and_succeeds()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var job = QueueArchiveJob(harness, "scan-archive", withRecord: true);
        Enqueue(source, job);

        Assert.Equal(JobOutcome.Succeeded, await ReceiveAndHandleAsync(harness, source));

        Assert.Equal(SettlementKind.Completed, Assert.Single(source.Settlements).Kind);
        Assert.Equal(JobState.Succeeded, harness.Record(job)!.State);
        Assert.Equal(1, harness.Storage.Reads);
        Assert.Contains("scan-archive/1.0.0/0x8DD0001/report.json", harness.ResultPaths(job));
        // One read for the state and the source together at the start, one before writing (a newer upload may have moved
        // the record on while the model ran): each is a table round trip per bulk job.
        Assert.Equal(2, harness.Status.RecordReads);
    }

    [Fact]
    public async Task A_message_without_a_source_and_without_a_job_record_fails_as_source_unknown_without_running()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var job = QueueArchiveJob(harness, "scan-no-record", withRecord: false);
        Enqueue(source, job);

        Assert.Equal(JobOutcome.DeadLettered, await ReceiveAndHandleAsync(harness, source));

        var settlement = Assert.Single(source.Settlements);
        Assert.Equal((SettlementKind.DeadLettered, JobRejectedException.SourceUnknown), (settlement.Kind, settlement.Reason));
        Assert.Contains("no job record names one", settlement.Description, StringComparison.Ordinal);
        var record = harness.Record(job)!;
        Assert.Equal((JobState.Failed, JobRejectedException.SourceUnknown), (record.State, record.ErrorCode));
        Assert.DoesNotContain(JobState.Processing, record.History);
        Assert.Equal(0, harness.Storage.Reads);
        Assert.Empty(harness.Model.Calls);
        Assert.DoesNotContain(harness.HandlerLog.Entries, e => e.Message.Contains("gave up after", StringComparison.Ordinal)); // no fault of the system
    }

    [Fact]
    public async Task A_schema_1_message_queued_before_the_upgrade_is_still_processed()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-schema-1", FakeScanCodec.Scan(2, 0.25f)) with { SchemaVersion = 1 };
        Enqueue(source, job);

        Assert.Equal(JobOutcome.Succeeded, await ReceiveAndHandleAsync(harness, source));

        Assert.Equal(JobState.Succeeded, harness.Record(job)!.State);
        Assert.Equal(1, harness.Storage.Reads);
    }

    [Fact]
    public async Task A_transient_storage_fault_is_retried_in_process_and_the_job_succeeds_on_the_same_delivery()
    {
        await using var harness = new WorkerHarness(transientRetries: 2);
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-blip", FakeScanCodec.Scan(2, 0.5f));
        harness.Storage.ReadFaults = 2;
        Enqueue(source, job);

        Assert.Equal(JobOutcome.Succeeded, await ReceiveAndHandleAsync(harness, source));

        Assert.Equal(3, harness.Storage.Reads);
        Assert.Equal(SettlementKind.Completed, Assert.Single(source.Settlements).Kind);
        Assert.Equal(JobState.Succeeded, harness.Record(job)!.State);
    }

    [Fact]
    public async Task A_transient_fault_that_outlasts_the_retries_abandons_and_the_redelivery_succeeds()
    {
        await using var harness = new WorkerHarness(transientRetries: 1);
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-outage", FakeScanCodec.Scan(2, 0.5f));
        harness.Storage.ReadFaults = 2;
        Enqueue(source, job);

        Assert.Equal(JobOutcome.Retrying, await ReceiveAndHandleAsync(harness, source));
        var afterFirst = harness.Record(job)!;
        Assert.Equal(JobState.Queued, afterFirst.State);
        Assert.Equal(FailureClassifier.StorageUnavailable, afterFirst.ErrorCode);

        Assert.Equal(JobOutcome.Succeeded, await ReceiveAndHandleAsync(harness, source));

        Assert.Equal(
            [(SettlementKind.Abandoned, 1), (SettlementKind.Completed, 2)],
            source.Settlements.Select(s => (s.Kind, s.DeliveryCount)));
        var record = harness.Record(job)!;
        Assert.Equal([JobState.Processing, JobState.Queued, JobState.Processing, JobState.Succeeded], record.History);
        Assert.Equal(2, record.Attempt);
    }

    [Fact]
    public async Task Transient_faults_on_every_delivery_end_failed_and_dead_lettered_at_the_delivery_bound()
    {
        await using var harness = new WorkerHarness(maxDeliveryCount: 2, transientRetries: 1);
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-down", FakeScanCodec.Scan(1, 0.5f));
        harness.Storage.ReadFaults = int.MaxValue;
        Enqueue(source, job);

        Assert.Equal(JobOutcome.Retrying, await ReceiveAndHandleAsync(harness, source));
        Assert.Equal(JobOutcome.DeadLettered, await ReceiveAndHandleAsync(harness, source));

        Assert.Equal([SettlementKind.Abandoned, SettlementKind.DeadLettered], source.Settlements.Select(s => s.Kind));
        var deadLetter = source.Settlements[^1];
        Assert.Equal(FailureClassifier.StorageUnavailable, deadLetter.Reason);
        Assert.Contains("Gave up after 2 attempts", deadLetter.Description, StringComparison.Ordinal);
        var gaveUp = Assert.Single(harness.HandlerLog.Entries, e => e.Message.Contains("gave up after", StringComparison.Ordinal));
        Assert.Equal((Microsoft.Extensions.Logging.LogLevel.Error, $"Scan scan-down: gave up after 2 deliveries ({FailureClassifier.StorageUnavailable}); the job fails"), gaveUp);
        var record = harness.Record(job)!;
        Assert.Equal(JobState.Failed, record.State);
        Assert.Equal(FailureClassifier.StorageUnavailable, record.ErrorCode);
        Assert.Equal(0, source.PendingCount);
    }

    [Fact]
    public async Task An_unexpected_model_error_is_bounded_by_deliveries_like_a_transient_fault()
    {
        await using var harness = new WorkerHarness(maxDeliveryCount: 1);
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-bug", FakeScanCodec.Scan(1, 0.5f));
        harness.Model.FailWith = new InvalidOperationException("device error");
        Enqueue(source, job);

        Assert.Equal(JobOutcome.DeadLettered, await ReceiveAndHandleAsync(harness, source));

        Assert.Equal(FailureClassifier.Unexpected, Assert.Single(source.Settlements).Reason);
        Assert.Equal(JobState.Failed, harness.Record(job)!.State);
    }

    [Fact]
    public async Task A_lost_lock_stops_the_job_without_settling_and_the_redelivery_writes_one_set_of_results()
    {
        // The lock keeper's clock is one the test moves: on the system clock, a keeper stalled past the 300 ms lock (a loaded
        // 2-core machine) lost the lock before the model call began, or lost the redelivery's lock before it settled.
        var time = new ManualTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var harness = new WorkerHarness(time: time);
        var source = new InMemoryScanJobSource(lockDuration: TimeSpan.FromMilliseconds(300), time);
        var job = harness.AddJob("scan-lock", FakeScanCodec.Scan(2, 0.5f));
        harness.Model.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(source, job);

        var first = ReceiveAndHandleAsync(harness, source);
        await harness.Model.Started.Task.WaitAsync(Wait, TestContext.Current.CancellationToken);
        source.LoseLock(job.MessageId);
        await time.RunTimersUntilAsync(first, Wait, TestContext.Current.CancellationToken);

        Assert.Equal(JobOutcome.LockLost, await first.WaitAsync(Wait, TestContext.Current.CancellationToken));
        Assert.Empty(source.Settlements);
        Assert.Equal(JobState.Processing, harness.Record(job)!.State);
        Assert.Empty(harness.ResultPaths(job));
        Assert.Equal(1, source.PendingCount);

        harness.Model.Hold.SetResult();
        harness.Model.Hold = null;
        Assert.Equal(JobOutcome.Succeeded, await ReceiveAndHandleAsync(harness, source));

        Assert.Equal((SettlementKind.Completed, 2), source.Settlements.Select(s => (s.Kind, s.DeliveryCount)).Single());
        Assert.Equal(JobState.Succeeded, harness.Record(job)!.State);
        Assert.Equal(3, harness.ResultPaths(job).Count);
    }

    [Fact]
    public async Task A_redelivered_job_whose_results_exist_completes_without_running_the_model()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-again", FakeScanCodec.Scan(2, 0.5f));
        // A worker died after writing every result (report.json last) but before marking the job Succeeded.
        await harness.Status.TryClaimAsync(job, new JobClaim(job.MessageId, 1), TestContext.Current.CancellationToken);
        await harness.Storage.CreateIfAbsentAsync(BlobLayout.ResultPath(job, BlobLayout.ReportFile), BinaryData.FromString("{}"), "application/json", TestContext.Current.CancellationToken);
        Enqueue(source, job, previousDeliveries: 1);

        Assert.Equal(JobOutcome.AlreadyDone, await ReceiveAndHandleAsync(harness, source));

        Assert.Equal(SettlementKind.Completed, Assert.Single(source.Settlements).Kind);
        Assert.Equal(JobState.Succeeded, harness.Record(job)!.State);
        Assert.Empty(harness.Model.Calls);
        Assert.Equal(0, harness.Storage.Reads);
    }

    [Fact]
    public async Task A_rerun_after_a_partial_write_replaces_the_earlier_runs_files_so_the_set_is_one_runs()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-partial", FakeScanCodec.Scan(2, 0.5f));
        // A worker wrote one map of another run (other noise) and died before the rest and the report.
        await harness.Status.TryClaimAsync(job, new JobClaim(job.MessageId, 1), TestContext.Current.CancellationToken);
        string map = BlobLayout.ResultPath(job, "maps/0000.txt");
        await harness.Storage.CreateIfAbsentAsync(map, BinaryData.FromString("an earlier run's map"), "text/plain", TestContext.Current.CancellationToken);
        Enqueue(source, job, previousDeliveries: 1);

        Assert.Equal(JobOutcome.Succeeded, await ReceiveAndHandleAsync(harness, source));

        Assert.NotEqual("an earlier run's map", harness.Storage.Results[map].ToString());
        Assert.Equal(3, harness.ResultPaths(job).Count);
        Assert.Single(harness.HandlerLog.Entries, e => e.Message == "Scan scan-partial: removed 1 result files an interrupted earlier run left; running again");
    }

    [Fact]
    public async Task A_duplicate_message_for_a_succeeded_job_is_completed_without_new_work()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-dup", FakeScanCodec.Scan(2, 0.5f));
        Enqueue(source, job);
        Enqueue(source, job);

        Assert.Equal(JobOutcome.Succeeded, await ReceiveAndHandleAsync(harness, source));
        var writes = harness.Storage.CreateAttempts;
        Assert.Equal(JobOutcome.AlreadyDone, await ReceiveAndHandleAsync(harness, source));

        Assert.Equal([SettlementKind.Completed, SettlementKind.Completed], source.Settlements.Select(s => s.Kind));
        Assert.Single(harness.Model.Calls);
        Assert.Equal(writes, harness.Storage.CreateAttempts);
        Assert.Equal([JobState.Processing, JobState.Succeeded], harness.Record(job)!.History);
    }

    [Fact]
    public async Task A_copy_of_a_message_whose_job_another_delivery_is_running_is_completed_without_running_it_again()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-copy", FakeScanCodec.Scan(2, 0.5f));
        // Two queue messages of one job, as a Storage Queue holds them when a bulk run sent part of a slice, could not
        // record it, and its retry sent that part again: each copy has its own queue message id and a first delivery.
        var body = BinaryData.FromBytes(ScanJobSerializer.Serialize(job));
        source.Enqueue(body, "queue-message-1");
        source.Enqueue(body, "queue-message-2");
        harness.Model.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        var first = ReceiveAndHandleAsync(harness, source);
        await harness.Model.Started.Task.WaitAsync(Wait, TestContext.Current.CancellationToken);
        // Ends at once; a copy that ran the job again would wait behind the held model call until this wait runs out.
        var copy = await ReceiveAndHandleAsync(harness, source).WaitAsync(Wait, TestContext.Current.CancellationToken);
        harness.Model.Hold.SetResult();

        Assert.Equal(JobOutcome.Duplicate, copy);
        Assert.Equal(JobOutcome.Succeeded, await first.WaitAsync(Wait, TestContext.Current.CancellationToken));
        Assert.Equal([("queue-message-2", SettlementKind.Completed), ("queue-message-1", SettlementKind.Completed)], source.Settlements.Select(s => (s.MessageId, s.Kind)));
        Assert.Single(harness.Model.Calls);
        Assert.Equal(3, harness.ResultPaths(job).Count);
        Assert.Equal([JobState.Processing, JobState.Succeeded], harness.Record(job)!.History);
        Assert.Single(harness.HandlerLog.Entries, e => e.Message == "Scan scan-copy: another copy of this message is already processing the job; this copy was completed without running the model");
    }

    [Fact]
    public async Task A_redelivery_whose_job_another_copy_has_claimed_completes_as_a_duplicate_and_leaves_the_job_to_it()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-copy-redelivered", FakeScanCodec.Scan(2, 0.5f));
        // The second copy's delivery runs the job; the first copy comes back after a retry (or a lost lock) of its own.
        Assert.True(await harness.Status.TryClaimAsync(job, new JobClaim("queue-message-2", 1), TestContext.Current.CancellationToken));
        source.Enqueue(BinaryData.FromBytes(ScanJobSerializer.Serialize(job)), "queue-message-1", previousDeliveries: 1);

        Assert.Equal(JobOutcome.Duplicate, await ReceiveAndHandleAsync(harness, source));

        Assert.Equal(("queue-message-1", SettlementKind.Completed), source.Settlements.Select(s => (s.MessageId, s.Kind)).Single());
        Assert.Empty(harness.Model.Calls);
        Assert.Equal(0, harness.Storage.Reads);
        Assert.Equal([JobState.Processing], harness.Record(job)!.History);
    }

    [Fact]
    public async Task A_message_of_an_overwritten_upload_is_completed_as_superseded_and_the_newer_job_succeeds()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var first = harness.AddJob("scan-twice", FakeScanCodec.Scan(1, 0.5f));
        var second = first with { SourceETag = "\"0x8DD0002\"" };
        harness.Status.Queue(first);
        harness.Status.Queue(second); // the upload was overwritten before a worker took the first message; intake requeued
        Enqueue(source, first);
        Enqueue(source, second);

        Assert.Equal(JobOutcome.Superseded, await ReceiveAndHandleAsync(harness, source));
        var untouched = harness.Record(second)!;
        Assert.Equal(JobOutcome.Succeeded, await ReceiveAndHandleAsync(harness, source));

        Assert.Equal((JobState.Queued, second.MessageId), (untouched.State, untouched.MessageId));
        Assert.Equal([(first.MessageId, SettlementKind.Completed), (second.MessageId, SettlementKind.Completed)], source.Settlements.Select(s => (s.MessageId, s.Kind)));
        Assert.Equal(JobState.Succeeded, harness.Record(second)!.State);
        Assert.Single(harness.Model.Calls);
    }

    [Fact]
    public async Task A_job_requeued_for_a_newer_upload_while_its_old_message_runs_is_left_to_the_new_message()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var first = harness.AddJob("scan-raced", FakeScanCodec.Scan(1, 0.5f));
        var second = first with { SourceETag = "\"0x8DD0002\"" };
        harness.Status.Queue(first);
        harness.Model.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(source, first);

        var running = ReceiveAndHandleAsync(harness, source);
        await harness.Model.Started.Task.WaitAsync(Wait, TestContext.Current.CancellationToken);
        harness.Status.Queue(second);
        harness.Model.Hold.SetResult();

        Assert.Equal(JobOutcome.Superseded, await running.WaitAsync(Wait, TestContext.Current.CancellationToken));
        Assert.Equal(SettlementKind.Completed, Assert.Single(source.Settlements).Kind);
        var record = harness.Record(second)!;
        Assert.Equal((JobState.Queued, second.MessageId), (record.State, record.MessageId));
        Assert.Empty(harness.ResultPaths(first)); // the superseded run wrote no results for nobody
    }

    /// <summary>Queues <paramref name="next"/> (as intake or a retry does) right after <paramref name="running"/>'s run writes report.json.</summary>
    private static void QueueOnceMarkerWritten(WorkerHarness harness, ScanJob running, ScanJob next) =>
        harness.Storage.Created = path =>
        {
            if (path == ResultWriter.MarkerPath(running))
            {
                harness.Status.Queue(next);
            }
        };

    [Fact]
    public async Task A_delivery_racing_another_that_failed_the_job_settles_as_that_job_stands_and_leaves_it_failed()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-raced", FakeScanCodec.Scan(1, 0.5f));
        harness.Status.Queue(job);
        Enqueue(source, job);
        // Another delivery of the same message (its lock taken over) fails the job while this one writes its results.
        harness.Storage.Created = path =>
        {
            if (path == ResultWriter.MarkerPath(job))
            {
                harness.Status.TryMarkFailedAsync(job, new JobClaim(job.MessageId, 2), "Truncated", "The file ended early.").GetAwaiter().GetResult();
            }
        };

        Assert.Equal(JobOutcome.DeadLettered, await ReceiveAndHandleAsync(harness, source));

        Assert.Equal("Truncated", Assert.Single(source.Settlements).Reason); // the record's reason, not only "already failed"
        var record = harness.Record(job)!;
        Assert.Equal((JobState.Failed, "Truncated"), (record.State, record.ErrorCode)); // never back to Queued
    }

    [Fact]
    public async Task Results_written_for_an_upload_replaced_during_the_writes_are_removed_again()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var first = harness.AddJob("scan-replaced-while-writing", FakeScanCodec.Scan(1, 0.5f));
        var second = first with { SourceETag = "\"0x8DD0002\"" };
        harness.Status.Queue(first);
        Enqueue(source, first);
        // Intake requeues the record for the scan's new upload just after the old run wrote its completion marker.
        QueueOnceMarkerWritten(harness, first, second);

        Assert.Equal(JobOutcome.Superseded, await ReceiveAndHandleAsync(harness, source));

        Assert.Single(harness.Model.Calls);
        Assert.Empty(harness.ResultPaths(first)); // written, then removed: no record points at them
        Assert.Equal((JobState.Queued, second.MessageId), (harness.Record(second)!.State, harness.Record(second)!.MessageId));
        Assert.Equal(SettlementKind.Completed, Assert.Single(source.Settlements).Kind);
    }

    [Fact]
    public async Task Results_of_a_run_overtaken_by_a_retry_of_the_same_upload_are_kept_for_the_retry()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var first = harness.AddJob("scan-retried-while-writing", FakeScanCodec.Scan(1, 0.5f));
        var retried = first with { Retry = 1 };
        harness.Status.Queue(first);
        Enqueue(source, first);
        QueueOnceMarkerWritten(harness, first, retried);

        Assert.Equal(JobOutcome.Superseded, await ReceiveAndHandleAsync(harness, source));
        harness.Storage.Created = null;
        Enqueue(source, retried);
        Assert.Equal(JobOutcome.AlreadyDone, await ReceiveAndHandleAsync(harness, source));

        Assert.Single(harness.Model.Calls); // the retry used the results the overtaken run wrote
        Assert.Contains(ResultWriter.MarkerPath(first), harness.ResultPaths(first));
        Assert.Equal(JobState.Succeeded, harness.Record(retried)!.State);
    }

    [Fact]
    public async Task The_newer_upload_gets_results_of_its_own_when_the_old_message_wrote_its_results_first()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var first = harness.AddJob("scan-raced-results", FakeScanCodec.Scan(1, 0.5f));
        var second = first with { SourceETag = "\"0x8DD0002\"" };
        // The first version's run wrote its results (report.json last) just before intake requeued the record for the
        // scan's new upload; the run then found itself superseded.
        await harness.Storage.CreateIfAbsentAsync(BlobLayout.ResultPath(first, BlobLayout.ReportFile), BinaryData.FromString("{}"), "application/json", TestContext.Current.CancellationToken);
        harness.Status.Queue(second);
        Enqueue(source, second);

        // Before results were kept per upload version, the first version's report.json marked the second done.
        Assert.Equal(JobOutcome.Succeeded, await ReceiveAndHandleAsync(harness, source));

        Assert.Single(harness.Model.Calls);
        Assert.Contains(BlobLayout.ResultPath(second, BlobLayout.ReportFile), harness.ResultPaths(second));
        Assert.Equal(BlobLayout.ResultsPrefix(second), harness.Record(second)!.ResultsPrefix);
        Assert.Equal([BlobLayout.ResultPath(first, BlobLayout.ReportFile)], harness.ResultPaths(first));
    }

    [Fact]
    public async Task A_message_of_an_erased_scan_removes_the_results_an_earlier_delivery_left_before_it_completes()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-erased-leftovers", FakeScanCodec.Scan(2, 0.5f));
        // A first delivery wrote a map and then lost its lock; the scan was erased before the message came back.
        await harness.Status.TryClaimAsync(job, new JobClaim(job.MessageId, 1), TestContext.Current.CancellationToken);
        await harness.Storage.CreateIfAbsentAsync(BlobLayout.ResultPath(job, "maps/0000.txt"), BinaryData.FromString("map"), "text/plain", TestContext.Current.CancellationToken);
        harness.Status.Erase(job);
        Enqueue(source, job, previousDeliveries: 1);

        Assert.Equal(JobOutcome.Superseded, await ReceiveAndHandleAsync(harness, source));

        Assert.Empty(harness.ResultPaths(job));
        Assert.Equal(SettlementKind.Completed, Assert.Single(source.Settlements).Kind);
        Assert.Equal(JobRecord.DeletedMessageId, harness.Record(job)!.MessageId);
        Assert.Empty(harness.Model.Calls);
    }

    [Fact]
    public async Task Results_of_an_erased_scan_that_cannot_be_removed_keep_the_message_until_the_last_delivery_dead_letters_it()
    {
        await using var harness = new WorkerHarness(maxDeliveryCount: 2, transientRetries: 1);
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-erased-outage", FakeScanCodec.Scan(1, 0.5f));
        await harness.Storage.CreateIfAbsentAsync(BlobLayout.ResultPath(job, "maps/0000.txt"), BinaryData.FromString("map"), "text/plain", TestContext.Current.CancellationToken);
        harness.Status.Erase(job);
        harness.Storage.DeleteFaults = int.MaxValue;
        Enqueue(source, job);

        Assert.Equal(JobOutcome.Retrying, await ReceiveAndHandleAsync(harness, source));
        Assert.Equal(JobOutcome.DeadLettered, await ReceiveAndHandleAsync(harness, source));

        Assert.Equal(
            [(SettlementKind.Abandoned, (string?)null), (SettlementKind.DeadLettered, ScanJobHandler.ErasureIncomplete)],
            source.Settlements.Select(s => (s.Kind, s.Reason)));
        Assert.Single(harness.HandlerLog.Entries, e => e.Message.Contains("gave up after 2 deliveries removing the results of the erased scan", StringComparison.Ordinal));
        var record = harness.Record(job)!;
        Assert.Equal((JobState.Failed, JobRecord.DeletedMessageId), (record.State, record.MessageId)); // still the tombstone
    }

    [Fact]
    public async Task Results_written_for_a_scan_erased_during_the_writes_are_removed_before_the_message_completes()
    {
        await using var harness = new WorkerHarness(transientRetries: 1);
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-erased-while-writing", FakeScanCodec.Scan(1, 0.5f));
        harness.Status.Queue(job);
        Enqueue(source, job);
        // DELETE /api/scans/{scanId} just after the run wrote its completion marker, while storage refuses deletes.
        harness.Storage.Created = path =>
        {
            if (path == ResultWriter.MarkerPath(job))
            {
                harness.Status.Erase(job);
                harness.Storage.DeleteFaults = 2;
            }
        };

        Assert.Equal(JobOutcome.Retrying, await ReceiveAndHandleAsync(harness, source));
        Assert.NotEmpty(harness.ResultPaths(job));
        harness.Storage.Created = null;
        Assert.Equal(JobOutcome.Superseded, await ReceiveAndHandleAsync(harness, source));

        Assert.Empty(harness.ResultPaths(job));
        Assert.Equal([SettlementKind.Abandoned, SettlementKind.Completed], source.Settlements.Select(s => s.Kind));
        Assert.Single(harness.Model.Calls);
    }

    [Fact]
    public async Task A_stale_message_past_its_delivery_limit_fails_nothing_and_is_completed()
    {
        await using var harness = new WorkerHarness(maxDeliveryCount: 3);
        var source = new InMemoryScanJobSource();
        var first = harness.AddJob("scan-stale-loop", FakeScanCodec.Scan(1, 0.5f));
        var second = first with { SourceETag = "\"0x8DD0002\"" };
        harness.Status.Queue(second);
        Enqueue(source, first, previousDeliveries: 3);

        Assert.Equal(JobOutcome.Superseded, await ReceiveAndHandleAsync(harness, source));

        Assert.Equal(SettlementKind.Completed, Assert.Single(source.Settlements).Kind);
        Assert.Equal(JobState.Queued, harness.Record(second)!.State);
    }

    [Fact]
    public async Task A_message_delivered_more_often_than_allowed_is_failed_without_another_attempt()
    {
        await using var harness = new WorkerHarness(maxDeliveryCount: 3);
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-crashloop", FakeScanCodec.Scan(1, 0.5f));
        Enqueue(source, job, previousDeliveries: 3);

        Assert.Equal(JobOutcome.DeadLettered, await ReceiveAndHandleAsync(harness, source));

        Assert.Equal("DeliveryLimitExceeded", Assert.Single(source.Settlements).Reason);
        Assert.Equal(JobState.Failed, harness.Record(job)!.State);
        Assert.Equal(0, harness.Storage.Reads);
        Assert.Single(harness.HandlerLog.Entries, e => e.Message == "Scan scan-crashloop: gave up after 4 deliveries (DeliveryLimitExceeded); the job fails");
    }

    [Fact]
    public async Task A_copy_that_fails_before_it_could_claim_the_job_leaves_another_copys_claim_standing()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-copy-fault", FakeScanCodec.Scan(1, 0.5f));
        // Another copy runs the job; this copy's check for a complete result set fails through its retries (the results
        // container answering 503). Sent back to Queued, the job would be run a second time by this copy's redelivery,
        // which removes the running copy's results as an interrupted run's.
        var running = new JobClaim("queue-message-2", 1);
        Assert.True(await harness.Status.TryClaimAsync(job, running, TestContext.Current.CancellationToken));
        harness.Storage.ExistsFaults = 100;
        source.Enqueue(BinaryData.FromBytes(ScanJobSerializer.Serialize(job)), "queue-message-1");

        Assert.Equal(JobOutcome.Retrying, await ReceiveAndHandleAsync(harness, source));

        Assert.Equal(("queue-message-1", SettlementKind.Abandoned), source.Settlements.Select(s => (s.MessageId, s.Kind)).Single());
        var record = harness.Record(job)!;
        Assert.Equal([JobState.Processing], record.History);
        Assert.Equal(running.Value, record.ClaimedBy);
    }

    [Fact]
    public async Task A_copy_that_fails_before_it_could_claim_the_job_on_its_last_delivery_completes_as_a_duplicate_not_failing_the_job()
    {
        await using var harness = new WorkerHarness(maxDeliveryCount: 3);
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-copy-last-fault", FakeScanCodec.Scan(1, 0.5f));
        // Another copy runs the job; this copy's check for a complete result set fails through its retries on its last
        // allowed delivery. Failed here, the job would lose the running copy's result, and the jobs-gave-up alert fire.
        var running = new JobClaim("queue-message-2", 1);
        Assert.True(await harness.Status.TryClaimAsync(job, running, TestContext.Current.CancellationToken));
        harness.Storage.ExistsFaults = 100;
        source.Enqueue(BinaryData.FromBytes(ScanJobSerializer.Serialize(job)), "queue-message-1", previousDeliveries: 2);

        Assert.Equal(JobOutcome.Duplicate, await ReceiveAndHandleAsync(harness, source));

        Assert.Equal(("queue-message-1", SettlementKind.Completed), source.Settlements.Select(s => (s.MessageId, s.Kind)).Single());
        var record = harness.Record(job)!;
        Assert.Equal([JobState.Processing], record.History);
        Assert.Equal(running.Value, record.ClaimedBy);
        Assert.DoesNotContain(harness.HandlerLog.Entries, e => e.Message.Contains("gave up", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_copy_refused_the_failed_mark_by_another_copys_claim_logs_one_line_saying_so_not_a_failure_warning()
    {
        await using var harness = new WorkerHarness(maxDeliveryCount: 3);
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-copy-refused", FakeScanCodec.Scan(1, 0.5f));
        Assert.True(await harness.Status.TryClaimAsync(job, new JobClaim("queue-message-2", 1), TestContext.Current.CancellationToken));
        harness.Storage.ExistsFaults = 100;
        source.Enqueue(BinaryData.FromBytes(ScanJobSerializer.Serialize(job)), "queue-message-1", previousDeliveries: 2);

        Assert.Equal(JobOutcome.Duplicate, await ReceiveAndHandleAsync(harness, source));

        // It logged "failed with ...; marking the job Failed" as a Warning before the duplicate line: read as a failed job.
        var line = Assert.Single(harness.HandlerLog.Entries);
        Assert.Equal(LogLevel.Information, line.Level);
        Assert.StartsWith("Scan scan-copy-refused: this copy failed with ", line.Message, StringComparison.Ordinal);
        Assert.EndsWith(
            " on delivery 3 before it could claim the job, which another copy of this message is processing; completed without failing the job",
            line.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_copy_past_the_delivery_limit_whose_job_another_copy_is_running_completes_as_a_duplicate_not_failing_the_job()
    {
        await using var harness = new WorkerHarness(maxDeliveryCount: 3);
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-copy-past-limit", FakeScanCodec.Scan(1, 0.5f));
        // A Storage Queue copy that crashed its workers comes back past the limit while a second copy runs the job: that
        // copy's claim stands, and failing the job here would throw away the result it is about to write.
        Assert.True(await harness.Status.TryClaimAsync(job, new JobClaim("queue-message-2", 1), TestContext.Current.CancellationToken));
        source.Enqueue(BinaryData.FromBytes(ScanJobSerializer.Serialize(job)), "queue-message-1", previousDeliveries: 3);

        Assert.Equal(JobOutcome.Duplicate, await ReceiveAndHandleAsync(harness, source));

        Assert.Equal(("queue-message-1", SettlementKind.Completed), source.Settlements.Select(s => (s.MessageId, s.Kind)).Single());
        Assert.Equal([JobState.Processing], harness.Record(job)!.History);
        Assert.DoesNotContain(harness.HandlerLog.Entries, e => e.Message.Contains("gave up", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_message_past_the_delivery_limit_whose_job_already_succeeded_is_completed_not_failed()
    {
        await using var harness = new WorkerHarness(maxDeliveryCount: 3);
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-done-late", FakeScanCodec.Scan(1, 0.5f));
        // An earlier delivery marked the job Succeeded and died before it could complete the message.
        await harness.Status.TryClaimAsync(job, new JobClaim(job.MessageId, 3), TestContext.Current.CancellationToken);
        await harness.Status.MarkSucceededAsync(job, BlobLayout.ResultsPrefix(job), TestContext.Current.CancellationToken);
        Enqueue(source, job, previousDeliveries: 3);

        Assert.Equal(JobOutcome.AlreadyDone, await ReceiveAndHandleAsync(harness, source));

        Assert.Equal(SettlementKind.Completed, Assert.Single(source.Settlements).Kind);
        Assert.Equal(JobState.Succeeded, harness.Record(job)!.State);
        Assert.DoesNotContain(harness.HandlerLog.Entries, e => e.Message.Contains("gave up", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_complete_result_set_past_the_delivery_limit_marks_the_job_succeeded_not_failed()
    {
        await using var harness = new WorkerHarness(maxDeliveryCount: 3);
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-written-last", FakeScanCodec.Scan(1, 0.5f));
        harness.Status.Queue(job);
        // The worker's last delivery wrote every result, report.json last, then could not mark the job Succeeded (the job
        // table answering 503 through the retries, a lost lock, a killed replica): the message comes back once more.
        await harness.Status.TryClaimAsync(job, new JobClaim(job.MessageId, 3), TestContext.Current.CancellationToken);
        await harness.Storage.CreateIfAbsentAsync(BlobLayout.ResultPath(job, BlobLayout.ReportFile), BinaryData.FromString("{}"), "application/json", TestContext.Current.CancellationToken);
        Enqueue(source, job, previousDeliveries: 3);

        Assert.Equal(JobOutcome.AlreadyDone, await ReceiveAndHandleAsync(harness, source));

        Assert.Equal(SettlementKind.Completed, Assert.Single(source.Settlements).Kind);
        var record = harness.Record(job)!;
        Assert.Equal((JobState.Succeeded, null), (record.State, record.ErrorCode));
        Assert.Equal(BlobLayout.ResultsPrefix(job), record.ResultsPrefix);
        Assert.Empty(harness.Model.Calls);
        Assert.DoesNotContain(harness.HandlerLog.Entries, e => e.Message.Contains("gave up", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_succeeded_job_whose_completion_failed_on_the_last_delivery_is_completed_not_abandoned_for_ever()
    {
        await using var harness = new WorkerHarness(maxDeliveryCount: 3);
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-complete-fault", FakeScanCodec.Scan(1, 0.5f));
        Enqueue(source, job, previousDeliveries: 2);
        var delivery = await source.ReceiveAsync(Wait, TestContext.Current.CancellationToken);

        var outcome = await harness.Handler.HandleAsync(new FirstSettlementFails(delivery!, SettlementKind.Completed), TestContext.Current.CancellationToken);

        // The broker's 503 is retried in process, like every other settlement: no fault of the job, so no jobs-gave-up alert.
        Assert.Equal(JobOutcome.Succeeded, outcome);
        Assert.Equal(SettlementKind.Completed, Assert.Single(source.Settlements).Kind);
        Assert.Equal(JobState.Succeeded, harness.Record(job)!.State);
        Assert.DoesNotContain(harness.HandlerLog.Entries, e => e.Message.Contains("gave up", StringComparison.Ordinal));
        Assert.DoesNotContain(harness.HandlerLog.Entries, e => e.Message.Contains("marking the job Failed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_transient_fault_completing_a_succeeded_job_is_retried_in_process_not_taken_for_a_fault_of_the_job()
    {
        await using var harness = new WorkerHarness(maxDeliveryCount: 3);
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-complete-blip", FakeScanCodec.Scan(1, 0.5f));
        Enqueue(source, job);
        var delivery = await source.ReceiveAsync(Wait, TestContext.Current.CancellationToken);

        var outcome = await harness.Handler.HandleAsync(new FirstSettlementFails(delivery!, SettlementKind.Completed), TestContext.Current.CancellationToken);

        Assert.Equal(JobOutcome.Succeeded, outcome);
        Assert.Equal(SettlementKind.Completed, Assert.Single(source.Settlements).Kind);
        var record = harness.Record(job)!;
        Assert.Equal([JobState.Processing, JobState.Succeeded], record.History);
        Assert.Equal(0, source.PendingCount);
        Assert.DoesNotContain(harness.HandlerLog.Entries, e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public async Task A_succeeded_job_whose_message_cannot_be_completed_is_left_unsettled_with_a_warning_not_failed()
    {
        await using var harness = new WorkerHarness(maxDeliveryCount: 3);
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-complete-outage", FakeScanCodec.Scan(1, 0.5f));
        Enqueue(source, job, previousDeliveries: 2);
        var delivery = await source.ReceiveAsync(Wait, TestContext.Current.CancellationToken);

        // The queue's account answers 503 to every complete of the worker's last delivery, retries included.
        var outcome = await harness.Handler.HandleAsync(new CompleteAlwaysFails(delivery!), TestContext.Current.CancellationToken);

        Assert.Equal(JobOutcome.Unsettled, outcome);
        Assert.Empty(source.Settlements);
        Assert.Equal(JobState.Succeeded, harness.Record(job)!.State);
        var warning = Assert.Single(harness.HandlerLog.Entries, e => e.Level >= LogLevel.Warning);
        Assert.Equal((LogLevel.Warning, "Scan scan-complete-outage needs no more work, but its message could not be completed on delivery 3 (RequestFailedException); left unsettled, its redelivery completes it"), warning);

        // The lock runs out and the broker delivers the message once more: it is completed as it stands.
        source.LoseLock(job.MessageId);
        Assert.Equal(JobOutcome.AlreadyDone, await ReceiveAndHandleAsync(harness, source));
        Assert.Equal(SettlementKind.Completed, Assert.Single(source.Settlements).Kind);
        Assert.Equal(JobState.Succeeded, harness.Record(job)!.State);
        Assert.DoesNotContain(harness.HandlerLog.Entries, e => e.Message.Contains("gave up", StringComparison.Ordinal));
    }

    /// <summary>A delivery whose completes all hit a storage fault (503): an outage of the queue's account that outlasts the retries.</summary>
    private sealed class CompleteAlwaysFails(ScanJobDelivery inner) : ForwardingDelivery(inner)
    {
        public override Task CompleteAsync(CancellationToken cancellationToken = default) =>
            throw new Azure.RequestFailedException(503, "Service unavailable.");
    }

    [Fact]
    public async Task A_transient_fault_dead_lettering_a_failed_job_is_retried_so_the_dead_letter_keeps_the_typed_reason()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-dead-letter-fault", FakeScanCodec.Corrupt);
        Enqueue(source, job);
        var delivery = await source.ReceiveAsync(Wait, TestContext.Current.CancellationToken);

        var outcome = await harness.Handler.HandleAsync(new FirstSettlementFails(delivery!, SettlementKind.DeadLettered), TestContext.Current.CancellationToken);

        Assert.Equal(JobOutcome.DeadLettered, outcome);
        var settlement = Assert.Single(source.Settlements);
        Assert.Equal((SettlementKind.DeadLettered, "Malformed"), (settlement.Kind, settlement.Reason));
        Assert.Equal((JobState.Failed, "Malformed"), (harness.Record(job)!.State, harness.Record(job)!.ErrorCode));
    }

    [Fact]
    public async Task A_redelivered_message_of_a_failed_job_is_dead_lettered_with_the_records_error_code()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-failed-before", FakeScanCodec.Scan(1, 0.5f));
        harness.Status.Queue(job);
        await harness.Status.TryMarkFailedAsync(job, new JobClaim(job.MessageId, 1), "Truncated", "The file ended early.", TestContext.Current.CancellationToken);
        Enqueue(source, job, previousDeliveries: 1);

        Assert.Equal(JobOutcome.DeadLettered, await ReceiveAndHandleAsync(harness, source));

        var settlement = Assert.Single(source.Settlements);
        Assert.Equal((SettlementKind.DeadLettered, "Truncated"), (settlement.Kind, settlement.Reason));
        Assert.Contains("already Failed", settlement.Description, StringComparison.Ordinal);
        Assert.Empty(harness.Model.Calls);
    }

    /// <summary>A delivery whose first settlement of one kind hits a storage fault (503), as in an outage of the queue's account.</summary>
    private sealed class FirstSettlementFails(ScanJobDelivery inner, SettlementKind failing) : ForwardingDelivery(inner)
    {
        private bool failed;

        private void FailOnce(SettlementKind kind)
        {
            if (kind == failing && !failed)
            {
                failed = true;
                throw new Azure.RequestFailedException(503, "Service unavailable.");
            }
        }

        public override Task CompleteAsync(CancellationToken cancellationToken = default)
        {
            FailOnce(SettlementKind.Completed);
            return Inner.CompleteAsync(cancellationToken);
        }

        public override Task AbandonAsync(TimeSpan retryDelay, CancellationToken cancellationToken = default)
        {
            FailOnce(SettlementKind.Abandoned);
            return Inner.AbandonAsync(retryDelay, cancellationToken);
        }

        public override Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken = default)
        {
            FailOnce(SettlementKind.DeadLettered);
            return Inner.DeadLetterAsync(reason, description, cancellationToken);
        }
    }

    [Fact]
    public async Task A_job_still_running_at_the_shutdown_deadline_is_abandoned_and_queued_again()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-shutdown", FakeScanCodec.Scan(1, 0.5f));
        harness.Model.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(source, job);
        using var deadline = new CancellationTokenSource();

        var running = ReceiveAndHandleUntilAsync(harness, source, deadline.Token);
        await harness.Model.Started.Task.WaitAsync(Wait, TestContext.Current.CancellationToken);
        await deadline.CancelAsync();

        Assert.Equal(JobOutcome.Interrupted, await running.WaitAsync(Wait, TestContext.Current.CancellationToken));
        Assert.Equal(SettlementKind.Abandoned, Assert.Single(source.Settlements).Kind);
        Assert.Equal(JobState.Queued, harness.Record(job)!.State);
        Assert.Equal(1, source.PendingCount);
    }
}
