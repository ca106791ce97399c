using Synomaly.Contracts;
using Synomaly.Diffusion.Inference;
using Synomaly.GpuWorker.Messaging;
using Synomaly.GpuWorker.Processing;
using Synomaly.GpuWorker.Tests.Support;

namespace Synomaly.GpuWorker.Tests;

/// <summary>
/// Two jobs whose slices share a model call, one of which makes the network answer NaN, through the real handler,
/// pipeline and batcher: only that job fails, under a reason that names the fault; the other one succeeds.
/// </summary>
public sealed class ScanJobSharedCallFaultTests
{
    /// <summary>
    /// How long a test waits in real time for what will come (a message, a model call, a job's end): a guard against a
    /// hang, not a speed target. A 10 s guard of this kind ran out on a loaded 2-core machine with no bug.
    /// </summary>
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private static void Enqueue(InMemoryScanJobSource source, ScanJob job) =>
        source.Enqueue(BinaryData.FromBytes(ScanJobSerializer.Serialize(job)), job.MessageId);

    private static async Task<JobOutcome> ReceiveAndHandleAsync(WorkerHarness harness, InMemoryScanJobSource source)
    {
        var delivery = await source.ReceiveAsync(Wait, TestContext.Current.CancellationToken);
        Assert.NotNull(delivery);
        return await harness.Handler.HandleAsync(delivery, CancellationToken.None);
    }

    [Fact]
    public async Task Only_the_job_whose_slices_make_the_model_answer_NaN_fails_and_its_dead_letter_says_so()
    {
        // A call of three slices runs once both jobs' slices are in, however slowly the two handlers get there.
        await using var harness = new WorkerHarness(maxDeliveryCount: 1, maxBatchSize: 3, maxBatchWaitMilliseconds: 30_000);
        harness.Model.FailWhen = s => s[0] == 0.75f ? new NonFiniteOutputException([0], 1) : null;
        var source = new InMemoryScanJobSource();
        var good = harness.AddJob("scan-shared-good", FakeScanCodec.Scan(2, 0.25f));
        var bad = harness.AddJob("scan-shared-nan", FakeScanCodec.Scan(1, 0.75f));
        Enqueue(source, good);
        Enqueue(source, bad);

        var outcomes = await Task.WhenAll(ReceiveAndHandleAsync(harness, source), ReceiveAndHandleAsync(harness, source)).WaitAsync(Wait, TestContext.Current.CancellationToken);

        Assert.Equal([JobOutcome.Succeeded, JobOutcome.DeadLettered], outcomes.Order());
        Assert.Equal(3, harness.Model.Calls[0].Count); // the two jobs did share the call
        Assert.Equal(JobState.Succeeded, harness.Record(good)!.State);
        Assert.Equal("scores:0.25,0.26", harness.Storage.Results["scan-shared-good/1.0.0/0x8DD0001/report.json"].ToString());
        var failed = harness.Record(bad)!;
        Assert.Equal((JobState.Failed, FailureClassifier.NonFiniteModelOutput), (failed.State, failed.ErrorCode));
        var deadLetter = Assert.Single(source.Settlements, s => s.MessageId == bad.MessageId);
        Assert.Equal((SettlementKind.DeadLettered, FailureClassifier.NonFiniteModelOutput), (deadLetter.Kind, deadLetter.Reason));
        Assert.Equal("Gave up after 1 attempts. The model gave NaN or infinite values for 1 of the scan's slices, in a model call of this scan's slices alone, although every input pixel was finite: the weights, the numeric precision or the device are at fault.", deadLetter.Description);
        Assert.Equal(deadLetter.Description, failed.ErrorMessage);
    }
}
