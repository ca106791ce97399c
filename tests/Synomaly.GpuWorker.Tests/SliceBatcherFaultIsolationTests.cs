using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Synomaly.Diffusion.Inference;
using Synomaly.GpuWorker.Inference;
using Synomaly.GpuWorker.Telemetry;
using Synomaly.GpuWorker.Tests.Support;

namespace Synomaly.GpuWorker.Tests;

/// <summary>
/// A model call holding slices of several jobs that fails (not for memory, not by cancellation) is run again job by job,
/// so that only a job that fails on its own gets the error; before, every job in the call failed with it.
/// </summary>
public sealed class SliceBatcherFaultIsolationTests
{
    /// <summary>
    /// How long a test waits in real time for what will come (a message, a model call, a job's end): a guard against a
    /// hang, not a speed target. A 10 s guard of this kind ran out on a loaded 2-core machine with no bug.
    /// </summary>
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private static float[] Slice(float value) => [.. Enumerable.Range(0, 16).Select(i => value + (i / 100f))];

    /// <summary>The network answers NaN for any call holding the slice that starts with 2, as the engine reports it.</summary>
    private static Exception? NaNForJobTwo(float[] slice) => slice[0] == 2 ? new NonFiniteOutputException([0], 1) : null;

    /// <summary>
    /// A batcher whose batch window runs on <paramref name="time"/>, a clock only the test moves: jobs queued one after
    /// another share a call however long the machine takes between them.
    /// </summary>
    private static SliceBatcher Create(FakeSliceInference model, WorkerTelemetry telemetry, ManualTimeProvider time, DeviceHealth? device = null, ILogger<SliceBatcher>? logger = null) =>
        new(_ => Task.FromResult<ISliceInference>(model), maxBatchSize: 8, TimeSpan.FromMilliseconds(200), telemetry, time, device, logger);

    private static ManualTimeProvider Clock() => new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static int[][] CallsByFirstPixel(FakeSliceInference model) => [.. model.Calls.Select(c => c.Select(s => (int)Math.Round(s[0] * 10)).ToArray())];

    [Fact]
    public async Task Only_the_job_whose_slices_fail_alone_gets_the_error_and_the_others_get_the_outputs_they_get_alone()
    {
        using var meters = new TestMeterFactory();
        using var telemetry = new WorkerTelemetry(meters);
        var device = new DeviceHealth(1, NullLogger<DeviceHealth>.Instance);
        var log = new RecordingLogger<SliceBatcher>();
        var model = new FakeSliceInference { FailWhen = NaNForJobTwo };
        var cancellationToken = TestContext.Current.CancellationToken;
        float[][] first = [Slice(1), Slice(1.1f)], third = [Slice(3)];

        var time = Clock();
        IReadOnlyList<SliceOutput> a, c;
        await using (var batcher = Create(model, telemetry, time, device, log))
        {
            var jobs = new[] { batcher.InferAsync(first, "default", cancellationToken), batcher.InferAsync([Slice(2)], "default", cancellationToken), batcher.InferAsync(third, "default", cancellationToken) };
            await time.RunTimersUntilAsync(Task.WhenAll(jobs), Wait, cancellationToken);

            var error = await Assert.ThrowsAsync<NonFiniteOutputException>(() => jobs[1].WaitAsync(Wait, cancellationToken));
            (a, c) = (await jobs[0].WaitAsync(Wait, cancellationToken), await jobs[2].WaitAsync(Wait, cancellationToken));
            Assert.Equal([0], error.Slices);
        }

        // One shared call, then one call per job, in the order the jobs came.
        Assert.Equal([[10, 11, 20, 30], [10, 11], [20], [30]], CallsByFirstPixel(model));
        var alone = new FakeSliceInference();
        Assert.Equal(alone.Run(first, "default", cancellationToken).Select(o => (o.Score, o.AnomalyMap.Sum())), a.Select(o => (o.Score, o.AnomalyMap.Sum())));
        Assert.Equal(alone.Run(third, "default", cancellationToken).Select(o => (o.Score, o.AnomalyMap.Sum())), c.Select(o => (o.Score, o.AnomalyMap.Sum())));
        // The device answered the jobs that ran alone: the failure is the job's, not the device's.
        Assert.Equal(0, device.ConsecutiveFailures);
        // Told once, by type: a third-party message can hold a path.
        var warning = Assert.Single(log.Entries, e => e.Level == LogLevel.Warning);
        Assert.Equal("A model call holding slices of 3 jobs failed (NonFiniteOutputException); each job's slices run again in calls of their own, so that only a job that fails alone gets the error", warning.Message);
    }

    [Fact]
    public async Task A_failed_call_of_one_jobs_slices_is_not_run_again()
    {
        using var meters = new TestMeterFactory();
        using var telemetry = new WorkerTelemetry(meters);
        var model = new FakeSliceInference { FailWhen = NaNForJobTwo };
        var time = Clock();
        await using var batcher = Create(model, telemetry, time);
        var cancellationToken = TestContext.Current.CancellationToken;

        var job = batcher.InferAsync([Slice(2), Slice(2.1f)], "default", cancellationToken);
        await time.RunTimersUntilAsync(job, Wait, cancellationToken);
        await Assert.ThrowsAsync<NonFiniteOutputException>(() => job.WaitAsync(Wait, cancellationToken));

        Assert.Equal([[20, 21]], CallsByFirstPixel(model));
    }

    [Fact]
    public async Task A_half_of_a_batch_halved_for_memory_is_split_by_job_when_it_fails_otherwise()
    {
        using var meters = new TestMeterFactory();
        using var telemetry = new WorkerTelemetry(meters);
        var model = new FakeSliceInference { OutOfMemoryAbove = 2, FailWhen = NaNForJobTwo };
        var time = Clock();
        await using var batcher = Create(model, telemetry, time);
        var cancellationToken = TestContext.Current.CancellationToken;

        var jobs = new[] { 1f, 2f, 3f, 4f }.Select(v => batcher.InferAsync([Slice(v)], "default", cancellationToken).WaitAsync(Wait, cancellationToken)).ToArray();
        await time.RunTimersUntilAsync(Task.WhenAll(jobs), Wait, cancellationToken);

        await Assert.ThrowsAsync<NonFiniteOutputException>(() => jobs[1]);
        Assert.Equal([1f, 3f, 4f], (await Task.WhenAll(jobs[0], jobs[2], jobs[3])).Select(o => Assert.Single(o).Score));
        // Four do not fit: halves of two; the first fails for NaN and runs again job by job; the second fits.
        Assert.Equal([[10, 20, 30, 40], [10, 20], [10], [20], [30, 40]], CallsByFirstPixel(model));
    }

    [Fact]
    public async Task A_device_that_fails_every_call_still_fails_every_job_with_its_own_error()
    {
        using var meters = new TestMeterFactory();
        using var telemetry = new WorkerTelemetry(meters);
        var device = new DeviceHealth(2, NullLogger<DeviceHealth>.Instance);
        var model = new FakeSliceInference { FailWith = TorchSharpErrors.DeviceAssert() };
        var time = Clock();
        await using var batcher = Create(model, telemetry, time, device);
        var cancellationToken = TestContext.Current.CancellationToken;

        var a = batcher.InferAsync([Slice(1)], "default", cancellationToken).WaitAsync(Wait, cancellationToken);
        var b = batcher.InferAsync([Slice(2)], "default", cancellationToken).WaitAsync(Wait, cancellationToken);
        await time.RunTimersUntilAsync(Task.WhenAll(a, b), Wait, cancellationToken);

        await Assert.ThrowsAnyAsync<Exception>(() => a);
        await Assert.ThrowsAnyAsync<Exception>(() => b);
        Assert.Equal([[10, 20], [10], [20]], CallsByFirstPixel(model));
        // One batch, one failure against the device, however many calls it took to find that no job runs.
        Assert.Equal(1, device.ConsecutiveFailures);
    }

    [Fact]
    public async Task A_call_stopped_because_its_jobs_were_cancelled_is_not_run_again_job_by_job()
    {
        using var meters = new TestMeterFactory();
        using var telemetry = new WorkerTelemetry(meters);
        var model = new FakeSliceInference { Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var time = Clock();
        await using var batcher = Create(model, telemetry, time);
        var cancellationToken = TestContext.Current.CancellationToken;
        using var deadline = new CancellationTokenSource();

        var a = batcher.InferAsync([Slice(1)], "default", deadline.Token);
        var b = batcher.InferAsync([Slice(2)], "default", deadline.Token);
        await time.RunTimersUntilAsync(model.Started.Task, Wait, cancellationToken);
        await model.Started.Task.WaitAsync(Wait, cancellationToken);
        await deadline.CancelAsync();
        await model.Cancelled.Task.WaitAsync(Wait, cancellationToken);
        model.Hold = null;
        var later = batcher.InferAsync([Slice(9)], "default", cancellationToken);
        await time.RunTimersUntilAsync(later, Wait, cancellationToken);
        await later.WaitAsync(Wait, cancellationToken);

        Assert.Equal([[10, 20], [90]], CallsByFirstPixel(model));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.WhenAll(a, b));
    }
}
