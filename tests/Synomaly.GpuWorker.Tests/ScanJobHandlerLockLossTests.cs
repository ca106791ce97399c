using Synomaly.Contracts;
using Synomaly.GpuWorker.Messaging;
using Synomaly.GpuWorker.Processing;
using Synomaly.GpuWorker.Tests.Support;

namespace Synomaly.GpuWorker.Tests;

/// <summary>The "message lock lost" line says why the lock was lost, on a clock the test moves.</summary>
public sealed class ScanJobHandlerLockLossTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_job_that_outruns_the_renewal_bound_logs_that_the_limit_was_reached()
    {
        var time = new ManualTimeProvider(Start);
        await using var harness = new WorkerHarness(time: time);
        harness.Options.LockRenewalMinutes = 1;
        var source = new InMemoryScanJobSource(lockDuration: TimeSpan.FromMinutes(1), time: time);

        var outcome = await RunHeldJobAsync(harness, source, time, "scan-outran", lockTakenAway: false);

        Assert.Equal(JobOutcome.LockLost, outcome);
        Assert.Contains(harness.HandlerLog.Entries, e => e.Message == "Scan scan-outran: message lock lost on delivery 1 (RenewalLimitReached); work stopped, the broker redelivers");
    }

    [Fact]
    public async Task A_renewal_the_broker_refuses_is_logged_as_refused_with_the_errors_type()
    {
        var time = new ManualTimeProvider(Start);
        await using var harness = new WorkerHarness(time: time);
        var source = new InMemoryScanJobSource(lockDuration: TimeSpan.FromMinutes(1), time: time);

        var outcome = await RunHeldJobAsync(harness, source, time, "scan-taken", lockTakenAway: true);

        Assert.Equal(JobOutcome.LockLost, outcome);
        Assert.Contains(harness.HandlerLog.Entries, e => e.Message == "Scan scan-taken: message lock lost on delivery 1 (RenewalRefused (MessageLockLostException)); work stopped, the broker redelivers");
    }

    /// <summary>
    /// Runs a job whose model call is held, the broker taking the lock away first if asked, and moves the clock from timer
    /// to timer (the keeper's) until the handler ends.
    /// </summary>
    private static async Task<JobOutcome> RunHeldJobAsync(WorkerHarness harness, InMemoryScanJobSource source, ManualTimeProvider time, string scanId, bool lockTakenAway)
    {
        var job = harness.AddJob(scanId, FakeScanCodec.Scan(1, 0.5f));
        harness.Model.Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        source.Enqueue(BinaryData.FromBytes(ScanJobSerializer.Serialize(job)), job.MessageId);
        var delivery = await source.ReceiveAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken) ?? throw new InvalidOperationException("No message was received.");

        var handling = harness.Handler.HandleAsync(delivery, CancellationToken.None);
        await harness.Model.Started.Task.WaitAsync(HangGuard, TestContext.Current.CancellationToken);
        if (lockTakenAway)
        {
            source.LoseLock(job.MessageId);
        }

        await time.RunTimersUntilAsync(handling, HangGuard, TestContext.Current.CancellationToken);
        return await handling.WaitAsync(HangGuard, TestContext.Current.CancellationToken);
    }
}
