using Microsoft.Extensions.Logging.Abstractions;
using Synomaly.GpuWorker.Inference;
using Synomaly.GpuWorker.Telemetry;
using Synomaly.GpuWorker.Tests.Support;

namespace Synomaly.GpuWorker.Tests;

/// <summary>
/// A model call nobody waits for any more stops at the engine's next stage: when every job in it was cancelled (the
/// shutdown deadline cancels every job in flight, a lost lock one) and when the batcher is disposed. Before, a call ran to
/// its end (minutes on a CPU) and the batcher's disposal, at the end of the host's shutdown, waited for it.
/// </summary>
public sealed class SliceBatcherCancellationTests
{
    /// <summary>
    /// How long a test waits in real time for what will come (a message, a model call, a job's end): a guard against a
    /// hang, not a speed target. A 10 s guard of this kind ran out on a loaded 2-core machine with no bug.
    /// </summary>
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private static float[] Slice(float value) => Enumerable.Repeat(value, 16).ToArray();

    /// <param name="time">
    /// The batch window's clock: a <see cref="ManualTimeProvider"/> where jobs queued one after another must share a call
    /// (the window then closes when the test runs the clock on, however long the machine took between the jobs).
    /// </param>
    private static SliceBatcher Create(FakeSliceInference model, WorkerTelemetry telemetry, DeviceHealth? device = null, TimeProvider? time = null) =>
        new(_ => Task.FromResult<ISliceInference>(model), maxBatchSize: 8, TimeSpan.FromMilliseconds(200), telemetry, time, device);

    private static ManualTimeProvider Clock() => new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task A_call_whose_every_job_was_cancelled_stops_and_the_batcher_goes_on_without_counting_it_against_the_device()
    {
        using var meters = new TestMeterFactory();
        using var telemetry = new WorkerTelemetry(meters);
        var device = new DeviceHealth(1, NullLogger<DeviceHealth>.Instance);
        var model = new FakeSliceInference { Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var time = Clock();
        await using var batcher = Create(model, telemetry, device, time);
        var cancellationToken = TestContext.Current.CancellationToken;
        using var deadline = new CancellationTokenSource();

        var a = batcher.InferAsync([Slice(1), Slice(2)], "default", deadline.Token);
        var b = batcher.InferAsync([Slice(3)], "default", deadline.Token);
        await time.RunTimersUntilAsync(model.Started.Task, Wait, cancellationToken);
        await model.Started.Task.WaitAsync(Wait, cancellationToken);
        await deadline.CancelAsync();

        Assert.Equal(3, (await model.Cancelled.Task.WaitAsync(Wait, cancellationToken)).Count);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => a);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => b);
        model.Hold = null;
        var next = batcher.InferAsync([Slice(9)], "default", cancellationToken);
        await time.RunTimersUntilAsync(next, Wait, cancellationToken);
        var later = await next.WaitAsync(Wait, cancellationToken);
        Assert.Equal(9, Assert.Single(later).Score);
        // One failure would have made liveness fail: a call stopped because nobody waits for it says nothing about the device.
        Assert.Equal(0, device.ConsecutiveFailures);
        Assert.False(device.HoldsReceiving);
    }

    [Fact]
    public async Task A_call_runs_on_while_one_of_its_jobs_still_waits_for_its_outputs()
    {
        using var meters = new TestMeterFactory();
        using var telemetry = new WorkerTelemetry(meters);
        var model = new FakeSliceInference { Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var time = Clock();
        await using var batcher = Create(model, telemetry, time: time);
        var cancellationToken = TestContext.Current.CancellationToken;
        using var lost = new CancellationTokenSource();

        var cancelled = batcher.InferAsync([Slice(1)], "default", lost.Token);
        var waiting = batcher.InferAsync([Slice(2)], "default", cancellationToken);
        await time.RunTimersUntilAsync(model.Started.Task, Wait, cancellationToken);
        await model.Started.Task.WaitAsync(Wait, cancellationToken);
        await lost.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Wait, cancellationToken));
        model.Hold.SetResult();

        Assert.Equal(2, Assert.Single(await waiting.WaitAsync(Wait, cancellationToken)).Score);
        Assert.False(model.Cancelled.Task.IsCompleted);
        Assert.Equal(2, Assert.Single(model.Calls).Count);
    }

    [Fact]
    public async Task Disposing_the_batcher_stops_the_call_under_way_and_fails_its_jobs_as_cancelled()
    {
        using var meters = new TestMeterFactory();
        using var telemetry = new WorkerTelemetry(meters);
        var model = new FakeSliceInference { Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var batcher = Create(model, telemetry);
        var cancellationToken = TestContext.Current.CancellationToken;

        var job = batcher.InferAsync([Slice(1)], "default", cancellationToken);
        await model.Started.Task.WaitAsync(Wait, cancellationToken);

        await batcher.DisposeAsync().AsTask().WaitAsync(Wait, cancellationToken);

        await model.Cancelled.Task.WaitAsync(Wait, cancellationToken);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => job.WaitAsync(Wait, cancellationToken));
    }

    [Fact]
    public async Task Disposing_the_batcher_fails_the_jobs_still_waiting_for_a_batch_and_the_call_under_way_as_stopped()
    {
        using var meters = new TestMeterFactory();
        using var telemetry = new WorkerTelemetry(meters);
        var model = new FakeSliceInference { Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var batcher = Create(model, telemetry);
        var cancellationToken = TestContext.Current.CancellationToken;
        var running = batcher.InferAsync([Slice(1)], "default", cancellationToken);
        await model.Started.Task.WaitAsync(Wait, cancellationToken);
        var waiting = batcher.InferAsync([Slice(2), Slice(3)], "default", cancellationToken);

        await batcher.DisposeAsync().AsTask().WaitAsync(Wait, cancellationToken);

        // Before, the waiting job was never completed (its handler would wait for ever), and the running one got the
        // batcher's bare cancellation, which the handler retried as a Timeout.
        await Assert.ThrowsAsync<BatcherStoppedException>(() => waiting.WaitAsync(Wait, cancellationToken));
        await Assert.ThrowsAsync<BatcherStoppedException>(() => running.WaitAsync(Wait, cancellationToken));
    }

    [Fact]
    public async Task A_job_that_reaches_a_disposed_batcher_fails_as_stopped()
    {
        using var meters = new TestMeterFactory();
        using var telemetry = new WorkerTelemetry(meters);
        var batcher = Create(new FakeSliceInference(), telemetry);
        await batcher.DisposeAsync();

        // Before, an ObjectDisposedException, which the handler classified as Unexpected.
        await Assert.ThrowsAsync<BatcherStoppedException>(() => batcher.InferAsync([Slice(1)], "default", TestContext.Current.CancellationToken));
        // A second disposal (the harness's, the container's) is harmless.
        await batcher.DisposeAsync();
    }
}
