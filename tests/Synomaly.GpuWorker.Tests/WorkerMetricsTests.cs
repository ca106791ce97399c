using Azure;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Messaging;
using Synomaly.GpuWorker.Processing;
using Synomaly.GpuWorker.Status;
using Synomaly.GpuWorker.Tests.Support;
using Synomaly.Testing;

namespace Synomaly.GpuWorker.Tests;

/// <summary>What the handler's metrics count across the deliveries of one message (docs/WORKER.md, telemetry).</summary>
public sealed class WorkerMetricsTests
{
    private const string Failures = "synomaly.worker.failures";
    private const string Jobs = "synomaly.worker.jobs";
    private const string QueueWait = "synomaly.worker.queue_wait";
    /// <summary>
    /// How long a test waits in real time for what will come (a message, a model call, a job's end): a guard against a
    /// hang, not a speed target. A 10 s guard of this kind ran out on a loaded 2-core machine with no bug.
    /// </summary>
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_failed_job_whose_dead_letter_lost_its_lock_is_counted_as_one_final_failure_across_its_redelivery()
    {
        await using var harness = new WorkerHarness();
        using var recorded = new RecordedMeasurements(harness.Meters);
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-counted-once", FakeScanCodec.Corrupt);
        Enqueue(source, job);

        var first = await ReceiveAsync(source);
        Assert.Equal(JobOutcome.LockLost, await HandleAsync(harness, new LockLostOnDeadLetter(first, source)));
        Assert.Equal(JobOutcome.DeadLettered, await HandleAsync(harness, await ReceiveAsync(source)));

        Assert.Equal((SettlementKind.DeadLettered, 2, "Malformed"), source.Settlements.Select(s => (s.Kind, s.DeliveryCount, s.Reason)).Single());
        var failure = Assert.Single(recorded.Of(Failures));
        Assert.Equal(("Malformed", (object?)true), ((string?)failure.Tags["reason"], failure.Tags["final"]));
        Assert.Equal(["LockLost", "DeadLettered"], recorded.Of(Jobs).Select(m => (string?)m.Tags["outcome"]));
    }

    [Fact]
    public async Task The_queue_wait_is_recorded_for_the_first_delivery_of_a_message_only()
    {
        await using var harness = new WorkerHarness();
        using var recorded = new RecordedMeasurements(harness.Meters);
        var source = new InMemoryScanJobSource();
        var first = harness.AddJob("scan-first-delivery", FakeScanCodec.Scan(1, 0.5f));
        var redelivered = harness.AddJob("scan-redelivered", FakeScanCodec.Scan(1, 0.5f));
        Enqueue(source, first);
        Enqueue(source, redelivered, previousDeliveries: 1);

        Assert.Equal(JobOutcome.Succeeded, await HandleAsync(harness, await ReceiveAsync(source)));
        Assert.Single(recorded.Of(QueueWait));
        Assert.Equal(JobOutcome.Succeeded, await HandleAsync(harness, await ReceiveAsync(source)));

        Assert.Single(recorded.Of(QueueWait));
    }

    [Fact]
    public async Task A_failure_whose_record_cannot_be_marked_failed_is_counted_as_an_attempt_to_retry_and_logged_as_such()
    {
        await using var harness = new WorkerHarness();
        using var recorded = new RecordedMeasurements(harness.Meters);
        var log = new CapturingLogger<ScanJobHandler>();
        var handler = harness.CreateHandler(new FailedRecordUnwritable(harness.Status), log);
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-unrecorded", FakeScanCodec.Corrupt);
        Enqueue(source, job);

        Assert.Equal(JobOutcome.Retrying, await handler.HandleAsync(await ReceiveAsync(source), CancellationToken.None));

        Assert.Equal(SettlementKind.Abandoned, Assert.Single(source.Settlements).Kind);
        Assert.Equal(["Retrying"], recorded.Of(Jobs).Select(m => (string?)m.Tags["outcome"]));
        var failure = Assert.Single(recorded.Of(Failures));
        Assert.Equal(("Malformed", (object?)false), ((string?)failure.Tags["reason"], failure.Tags["final"]));
        // Nothing was dead-lettered, and no line says it was.
        Assert.DoesNotContain(log.Entries, e => e.Message.Contains("dead-letter", StringComparison.Ordinal));
        Assert.Contains(log.Entries, e => e.Message == "Scan scan-unrecorded: the job record could not be marked Failed (RequestFailedException); abandoning so a later delivery settles it");
    }

    private static void Enqueue(InMemoryScanJobSource source, ScanJob job, int previousDeliveries = 0) =>
        source.Enqueue(BinaryData.FromBytes(ScanJobSerializer.Serialize(job)), job.MessageId, previousDeliveries);

    /// <summary>Handles the delivery with no shutdown deadline: the test's own cancellation would settle it as interrupted.</summary>
    private static Task<JobOutcome> HandleAsync(WorkerHarness harness, ScanJobDelivery delivery) => harness.Handler.HandleAsync(delivery, CancellationToken.None);

    private static async Task<ScanJobDelivery> ReceiveAsync(InMemoryScanJobSource source) =>
        await source.ReceiveAsync(Wait, TestContext.Current.CancellationToken) ?? throw new InvalidOperationException("No message was received.");

    /// <summary>Job records whose Failed write answers 503 (the table's account throttling that one write); the rest work.</summary>
    private sealed class FailedRecordUnwritable(IJobStatusSink inner) : IJobStatusSink
    {
        public Task<RecordedJob?> GetRecordAsync(ScanJob job, CancellationToken cancellationToken = default) => inner.GetRecordAsync(job, cancellationToken);

        public Task<bool> TryClaimAsync(ScanJob job, JobClaim claim, CancellationToken cancellationToken = default) => inner.TryClaimAsync(job, claim, cancellationToken);

        public Task MarkRetryingAsync(ScanJob job, JobClaim claim, string errorCode, string errorMessage, CancellationToken cancellationToken = default) =>
            inner.MarkRetryingAsync(job, claim, errorCode, errorMessage, cancellationToken);

        public Task MarkSucceededAsync(ScanJob job, string resultsPrefix, CancellationToken cancellationToken = default) => inner.MarkSucceededAsync(job, resultsPrefix, cancellationToken);

        public Task<bool> TryMarkFailedAsync(ScanJob job, JobClaim claim, string errorCode, string errorMessage, CancellationToken cancellationToken = default) =>
            Task.FromException<bool>(new RequestFailedException(503, "Service unavailable (injected).", "ServerBusy", null));
    }

    /// <summary>A delivery whose lock the broker takes away just as it is dead-lettered (an expiry, a partition move).</summary>
    private sealed class LockLostOnDeadLetter(ScanJobDelivery inner, InMemoryScanJobSource source) : ForwardingDelivery(inner)
    {
        public override Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken = default)
        {
            source.LoseLock(Inner.MessageId);
            return Inner.DeadLetterAsync(reason, description, cancellationToken);
        }
    }
}
