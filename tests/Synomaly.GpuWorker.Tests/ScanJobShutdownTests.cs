using Synomaly.Contracts;
using Synomaly.GpuWorker.Messaging;
using Synomaly.GpuWorker.Processing;
using Synomaly.GpuWorker.Tests.Support;

namespace Synomaly.GpuWorker.Tests;

/// <summary>
/// The shutdown deadline end to end on the stand-ins (the real handler, pipeline and batcher): the model call of the
/// interrupted jobs stops, nothing is completed, dead-lettered or failed, and the redelivery runs the job to its end.
/// </summary>
public sealed class ScanJobShutdownTests
{
    /// <summary>
    /// How long a test waits in real time for what will come (a message, a model call, a job's end): a guard against a
    /// hang, not a speed target. A 10 s guard of this kind ran out on a loaded 2-core machine with no bug.
    /// </summary>
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private static void Enqueue(InMemoryScanJobSource source, ScanJob job) =>
        source.Enqueue(BinaryData.FromBytes(ScanJobSerializer.Serialize(job)), job.MessageId);

    private static Task<JobOutcome> ReceiveAndHandleAsync(WorkerHarness harness, InMemoryScanJobSource source) =>
        ReceiveAndHandleUntilAsync(harness, source, CancellationToken.None);

    private static async Task<JobOutcome> ReceiveAndHandleUntilAsync(WorkerHarness harness, InMemoryScanJobSource source, CancellationToken shutdown)
    {
        var delivery = await source.ReceiveAsync(Wait, TestContext.Current.CancellationToken);
        Assert.NotNull(delivery);
        return await harness.Handler.HandleAsync(delivery, shutdown);
    }

    [Fact]
    public async Task A_job_whose_batcher_is_disposed_under_it_is_interrupted_and_abandoned_though_its_deadline_has_not_passed()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-batcher-stopped", FakeScanCodec.Scan(1, 0.25f));
        harness.Model.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(source, job);

        var running = ReceiveAndHandleAsync(harness, source);
        await harness.Model.Started.Task.WaitAsync(Wait, TestContext.Current.CancellationToken);
        await harness.Batcher.DisposeAsync();

        // Before, (Retrying, "Timeout"): the batcher's cancellation was taken for a timed-out operation and held for a backoff.
        Assert.Equal(JobOutcome.Interrupted, await running.WaitAsync(Wait, TestContext.Current.CancellationToken));
        Assert.Equal(SettlementKind.Abandoned, Assert.Single(source.Settlements).Kind);
        Assert.Equal((JobState.Queued, "Interrupted"), (harness.Record(job)!.State, harness.Record(job)!.ErrorCode));
    }

    [Fact]
    public async Task Jobs_sharing_a_call_at_the_shutdown_deadline_stop_it_go_back_to_the_queue_and_succeed_when_redelivered()
    {
        // A call of three slices runs once both jobs' slices are in, however slowly the two handlers get there.
        await using var harness = new WorkerHarness(maxBatchSize: 3, maxBatchWaitMilliseconds: 30_000);
        var source = new InMemoryScanJobSource();
        var first = harness.AddJob("scan-stop-a", FakeScanCodec.Scan(2, 0.25f));
        var second = harness.AddJob("scan-stop-b", FakeScanCodec.Scan(1, 0.5f));
        harness.Model.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(source, first);
        Enqueue(source, second);
        using var deadline = new CancellationTokenSource();

        var running = new[] { ReceiveAndHandleUntilAsync(harness, source, deadline.Token), ReceiveAndHandleUntilAsync(harness, source, deadline.Token) };
        await harness.Model.Started.Task.WaitAsync(Wait, TestContext.Current.CancellationToken);
        await deadline.CancelAsync();

        Assert.Equal([JobOutcome.Interrupted, JobOutcome.Interrupted], await Task.WhenAll(running).WaitAsync(Wait, TestContext.Current.CancellationToken));
        // The one call that held both jobs' slices stopped (before, it ran on to its end, here the 30 s hold).
        Assert.Equal(3, (await harness.Model.Cancelled.Task.WaitAsync(Wait, TestContext.Current.CancellationToken)).Count);
        Assert.Single(harness.Model.Calls);
        Assert.All(source.Settlements, s => Assert.Equal(SettlementKind.Abandoned, s.Kind));
        Assert.All(new[] { first, second }, job => Assert.Equal((JobState.Queued, "Interrupted"), (harness.Record(job)!.State, harness.Record(job)!.ErrorCode)));
        Assert.Equal(2, source.PendingCount);

        // Another replica (here the same stand-ins, no hold) takes both messages again and finishes both jobs.
        harness.Model.Hold = null;
        Assert.Equal([JobOutcome.Succeeded, JobOutcome.Succeeded], await Task.WhenAll(ReceiveAndHandleAsync(harness, source), ReceiveAndHandleAsync(harness, source)));
        Assert.Equal([JobState.Processing, JobState.Queued, JobState.Processing, JobState.Succeeded], harness.Record(first)!.History);
        Assert.Equal("scores:0.25,0.26", harness.Storage.Results["scan-stop-a/1.0.0/0x8DD0001/report.json"].ToString());
        Assert.Equal("scores:0.5", harness.Storage.Results["scan-stop-b/1.0.0/0x8DD0001/report.json"].ToString());
    }

    [Fact]
    public async Task A_job_interrupted_while_its_record_cannot_be_written_stays_Processing_and_its_redelivery_still_runs_it()
    {
        await using var harness = new WorkerHarness();
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-stop-table", FakeScanCodec.Scan(1, 0.5f));
        harness.Model.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(source, job);
        using var deadline = new CancellationTokenSource();

        var running = ReceiveAndHandleUntilAsync(harness, source, deadline.Token);
        await harness.Model.Started.Task.WaitAsync(Wait, TestContext.Current.CancellationToken);
        harness.StatusSwitch.Unavailable = true;
        await deadline.CancelAsync();

        Assert.Equal(JobOutcome.Interrupted, await running.WaitAsync(Wait, TestContext.Current.CancellationToken));
        await harness.Model.Cancelled.Task.WaitAsync(Wait, TestContext.Current.CancellationToken);
        Assert.Equal(SettlementKind.Abandoned, Assert.Single(source.Settlements).Kind);
        Assert.Equal(JobState.Processing, harness.Record(job)!.State);

        // Processing to Processing is a transition the worker may make: the redelivery is not refused.
        harness.StatusSwitch.Unavailable = false;
        harness.Model.Hold = null;
        Assert.Equal(JobOutcome.Succeeded, await ReceiveAndHandleAsync(harness, source));
        Assert.Equal([JobState.Processing, JobState.Processing, JobState.Succeeded], harness.Record(job)!.History);
        Assert.Equal([SettlementKind.Abandoned, SettlementKind.Completed], source.Settlements.Select(s => s.Kind));
    }
}
