using Azure.Data.Tables;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Messaging;
using Synomaly.GpuWorker.Processing;
using Synomaly.GpuWorker.Status;
using Synomaly.GpuWorker.Tests.Support;
using Synomaly.Storage.Jobs;
using Synomaly.Testing;

namespace Synomaly.GpuWorker.Tests.Azurite;

/// <summary>
/// Two copies of one job message (a Storage Queue delivers every copy sent) handled at the same time by two handlers
/// over the real jobs table: both read the job Queued, then race to move it to Processing. Only one may run the model;
/// the other runs it only once the first one's claim is nobody's any more.
/// </summary>
[Trait("Category", "Integration")]
public sealed class ScanJobClaimRaceTests(AzuriteFixture azurite)
{
    /// <summary>A guard against a hang on a loaded machine, not a speed target.</summary>
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Two_copies_that_both_found_the_job_queued_run_it_once_and_the_copy_that_lost_the_race_completes_as_a_duplicate()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var harness = new WorkerHarness();
        var job = harness.AddJob("claim-race-" + Guid.NewGuid().ToString("N")[..8], FakeScanCodec.Scan(2, 0.5f));
        var store = new ClaimsMeetingStore(new TableServiceClient(azurite.ConnectionString));
        await store.EnsureCreatedAsync(ct);
        await store.CreateAsync(new JobRecord { ScanId = job.ScanId, ModelVersion = job.ModelVersion, MessageId = job.MessageId, SourceETag = job.SourceETag, SourceBlobUri = job.SourceBlobUri, QueuedAt = job.SubmittedAt }, ct);
        var sink = new JobStoreStatusSink(store, TimeProvider.System);
        var source = new InMemoryScanJobSource();
        var body = BinaryData.FromBytes(ScanJobSerializer.Serialize(job));
        source.Enqueue(body, "queue-message-1");
        source.Enqueue(body, "queue-message-2");
        var logs = new[] { new CapturingLogger<ScanJobHandler>(), new CapturingLogger<ScanJobHandler>() };

        var outcomes = await Task.WhenAll(logs.Select(async log =>
        {
            var delivery = await source.ReceiveAsync(Wait, ct);
            Assert.NotNull(delivery);
            return await harness.CreateHandler(sink, log).HandleAsync(delivery);
        })).WaitAsync(Wait, ct);

        Assert.Equal(2, harness.Model.Calls.Sum(call => call.Count)); // the scan's two slices, run once
        Assert.Equal([JobOutcome.Duplicate, JobOutcome.Succeeded], outcomes.OrderBy(o => o.ToString(), StringComparer.Ordinal));
        Assert.Equal([SettlementKind.Completed, SettlementKind.Completed], source.Settlements.Select(s => s.Kind));
        Assert.Equal(3, harness.ResultPaths(job).Count);
        var record = await store.GetAsync(job.ScanId, job.ModelVersion, ct);
        Assert.Equal((JobState.Succeeded, 1), (record!.State, record.Attempts));
        Assert.Single(logs.SelectMany(l => l.Entries), e => e.Message == $"Scan {job.ScanId}: another copy of this message is already processing the job; this copy was completed without running the model");
    }

    [Theory]
    [InlineData(41, JobOutcome.Succeeded)] // past the renewal bound (30 min), a lock (5) and the allowance (5): nobody's
    [InlineData(39, JobOutcome.Duplicate)] // its delivery may still be working on the job
    public async Task A_copy_takes_over_a_claim_only_once_its_deliverys_lock_has_run_out(int claimedMinutesAgo, JobOutcome expected)
    {
        // The claiming copy's message is gone while the record stays Processing: Service Bus dead-lettered its last
        // delivery by itself (the worker died on it), or it expired. A copy sent later would otherwise wait for the
        // expiry sweep (the message time to live and its grace after the record's last write).
        var ct = TestContext.Current.CancellationToken;
        await using var harness = new WorkerHarness();
        var job = harness.AddJob("claim-abandoned-" + Guid.NewGuid().ToString("N")[..8], FakeScanCodec.Scan(2, 0.5f));
        var store = new JobStore(new TableServiceClient(azurite.ConnectionString));
        await store.EnsureCreatedAsync(ct);
        var claimedAt = DateTimeOffset.UtcNow - TimeSpan.FromMinutes(claimedMinutesAgo);
        await store.CreateAsync(new JobRecord { ScanId = job.ScanId, ModelVersion = job.ModelVersion, MessageId = job.MessageId, SourceETag = job.SourceETag, SourceBlobUri = job.SourceBlobUri, QueuedAt = job.SubmittedAt, State = JobState.Processing, Attempts = 6, StartedAt = claimedAt, ClaimedBy = new JobClaim("queue-message-1", 6).Value }, ct);
        var source = new InMemoryScanJobSource();
        source.Enqueue(BinaryData.FromBytes(ScanJobSerializer.Serialize(job)), "queue-message-2");
        var delivery = await source.ReceiveAsync(Wait, ct);

        var outcome = await harness.CreateHandler(new JobStoreStatusSink(store, TimeProvider.System), new CapturingLogger<ScanJobHandler>()).HandleAsync(delivery!, ct);

        Assert.Equal(expected, outcome);
        Assert.Equal(expected == JobOutcome.Succeeded ? 2 : 0, harness.Model.Calls.Sum(call => call.Count));
        var record = await store.GetAsync(job.ScanId, job.ModelVersion, ct);
        Assert.Equal(expected == JobOutcome.Succeeded ? JobState.Succeeded : JobState.Processing, record!.State);
        Assert.Equal(SettlementKind.Completed, Assert.Single(source.Settlements).Kind);
    }

    /// <summary>
    /// Holds the first two moves of a Queued record to Processing until both have come, so that both copies write with
    /// the Queued record's ETag: one write wins, and the other meets a record that the winner has just moved.
    /// </summary>
    private sealed class ClaimsMeetingStore(TableServiceClient tables) : JobStore(tables)
    {
        private readonly TaskCompletionSource bothArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int arrived;

        public override async Task<JobWriteResult> TransitionAsync(JobRecord current, JobState to, Func<JobRecord, JobRecord>? update = null, CancellationToken cancellationToken = default)
        {
            if (to == JobState.Processing && current.State == JobState.Queued && Interlocked.Increment(ref arrived) <= 2)
            {
                if (Volatile.Read(ref arrived) >= 2)
                {
                    bothArrived.TrySetResult();
                }

                await bothArrived.Task.WaitAsync(Wait, cancellationToken);
            }

            return await base.TransitionAsync(current, to, update, cancellationToken);
        }
    }
}
