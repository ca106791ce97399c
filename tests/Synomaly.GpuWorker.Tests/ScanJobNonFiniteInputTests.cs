using Synomaly.Contracts;
using Synomaly.GpuWorker.Messaging;
using Synomaly.GpuWorker.Processing;
using Synomaly.GpuWorker.Tests.Support;

namespace Synomaly.GpuWorker.Tests;

/// <summary>
/// The engine refusing a slice with NaN or infinite pixels (NonFiniteInputException), through the real handler, pipeline
/// and batcher: the scan is at fault, so the job fails at once under a reason that names it, as the readers' own refusals
/// of non-finite voxels do, instead of being retried to the delivery bound as an unexpected error.
/// </summary>
public sealed class ScanJobNonFiniteInputTests
{
    /// <summary>
    /// How long a test waits in real time for what will come (a message, a model call, a job's end): a guard against a
    /// hang, not a speed target. A 10 s guard of this kind ran out on a loaded 2-core machine with no bug.
    /// </summary>
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_scan_whose_slices_the_engine_refuses_as_not_finite_is_dead_lettered_on_its_first_delivery()
    {
        await using var harness = new WorkerHarness(maxDeliveryCount: 3);
        harness.Model.FailWhen = s => s[0] == 0.75f ? EngineErrors.NonFiniteInput([4], 6) : null;
        var source = new InMemoryScanJobSource();
        var job = harness.AddJob("scan-non-finite-input", FakeScanCodec.Scan(1, 0.75f));
        source.Enqueue(BinaryData.FromBytes(ScanJobSerializer.Serialize(job)), job.MessageId);
        var cancellationToken = TestContext.Current.CancellationToken;

        var delivery = await source.ReceiveAsync(Wait, cancellationToken);
        Assert.NotNull(delivery);
        var outcome = await harness.Handler.HandleAsync(delivery, CancellationToken.None).WaitAsync(Wait, cancellationToken);

        Assert.Equal(JobOutcome.DeadLettered, outcome);
        var record = harness.Record(job)!;
        Assert.Equal((JobState.Failed, FailureClassifier.NonFiniteInput), (record.State, record.ErrorCode));
        var deadLetter = Assert.Single(source.Settlements);
        Assert.Equal((SettlementKind.DeadLettered, FailureClassifier.NonFiniteInput), (deadLetter.Kind, deadLetter.Reason));
        Assert.StartsWith("1 of the scan's prepared slices holds NaN or infinite pixels", deadLetter.Description, StringComparison.Ordinal);
        // The engine's positions are positions in the model call, not in the scan.
        Assert.DoesNotContain("of 6", deadLetter.Description, StringComparison.Ordinal);
        Assert.Equal(deadLetter.Description, record.ErrorMessage);
        Assert.Equal(0, source.PendingCount);
    }
}
