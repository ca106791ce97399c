using System.Runtime.InteropServices;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Synomaly.GpuWorker.Health;
using Synomaly.GpuWorker.Inference;
using Synomaly.GpuWorker.Processing;
using Synomaly.GpuWorker.Telemetry;
using Synomaly.GpuWorker.Tests.Support;

namespace Synomaly.GpuWorker.Tests;

/// <summary>
/// Device faults in the batcher: a batch the GPU cannot hold is halved until it fits, and batches failing on the device
/// in a row make liveness fail, so that the platform restarts a replica whose device is broken.
/// </summary>
public sealed class SliceBatcherDeviceFaultTests
{
    private const int MaxFailures = 3;

    private static float[] Slice(float value) => [.. Enumerable.Range(0, 16).Select(i => value + (i / 100f))];

    /// <summary>How long a test waits in real time for what will come: a guard against a hang, not a speed target.</summary>
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    /// <param name="time">
    /// The batch window's clock: a <see cref="ManualTimeProvider"/> where jobs queued one after another must share a call
    /// (the window then closes when the test runs the clock on, however long the machine took between the jobs).
    /// </param>
    private static SliceBatcher Create(FakeSliceInference model, WorkerTelemetry telemetry, DeviceHealth? device = null, TimeProvider? time = null) =>
        new(_ => Task.FromResult<ISliceInference>(model), maxBatchSize: 8, TimeSpan.FromMilliseconds(200), telemetry, time, device);

    private static ManualTimeProvider Clock() => new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>The outputs of jobs queued one after another, their batch windows closed by running <paramref name="time"/> on.</summary>
    private static async Task<T> RunAsync<T>(ManualTimeProvider time, Task<T> jobs)
    {
        await time.RunTimersUntilAsync(jobs, Wait, TestContext.Current.CancellationToken);
        return await jobs.WaitAsync(Wait, TestContext.Current.CancellationToken);
    }

    private static DeviceHealth Device() => new(MaxFailures, NullLogger<DeviceHealth>.Instance);

    private static async Task<HealthStatus> LivenessAsync(DeviceHealth device) =>
        (await new DeviceLivenessCheck(device).CheckHealthAsync(new HealthCheckContext(), TestContext.Current.CancellationToken)).Status;

    [Fact]
    public async Task A_batch_the_device_cannot_hold_is_halved_until_it_fits_and_every_job_gets_the_outputs_of_an_unsplit_run()
    {
        using var meters = new TestMeterFactory();
        using var telemetry = new WorkerTelemetry(meters);
        var device = Device();
        var cancellationToken = TestContext.Current.CancellationToken;
        var tight = new FakeSliceInference { OutOfMemoryAbove = 2 };
        var roomy = new FakeSliceInference();
        float[][] slices = [Slice(1), Slice(2), Slice(3), Slice(4)];

        IReadOnlyList<SliceOutput>[] split, whole;
        var time = Clock();
        await using (var batcher = Create(tight, telemetry, device, time))
        {
            split = await RunAsync(time, Task.WhenAll(slices.Select(s => batcher.InferAsync([s], "default", cancellationToken))));
        }

        await using (var batcher = Create(roomy, telemetry, time: time))
        {
            whole = await RunAsync(time, Task.WhenAll(slices.Select(s => batcher.InferAsync([s], "default", cancellationToken))));
        }

        // Four one-slice jobs in one batch of four: out of memory, then two halves of two, which fit.
        Assert.Equal([4, 2, 2], tight.Calls.Select(c => c.Count));
        Assert.Equal([4], roomy.Calls.Select(c => c.Count));
        for (var job = 0; job < slices.Length; job++)
        {
            var (got, expected) = (Assert.Single(split[job]), Assert.Single(whole[job]));
            Assert.Equal(expected.Score, got.Score);
            Assert.Equal(expected.AnomalyMap, got.AnomalyMap);
            Assert.Equal(expected.Mask, got.Mask);
        }

        Assert.Equal(0, device.ConsecutiveFailures);
    }

    [Fact]
    public async Task A_slice_that_does_not_fit_on_its_own_fails_its_job_with_a_transient_device_out_of_memory()
    {
        using var meters = new TestMeterFactory();
        using var telemetry = new WorkerTelemetry(meters);
        var model = new FakeSliceInference { OutOfMemoryAbove = 0 };
        var time = Clock();
        await using var batcher = Create(model, telemetry, time: time);
        var cancellationToken = TestContext.Current.CancellationToken;

        var a = batcher.InferAsync([Slice(1)], "default", cancellationToken);
        var b = batcher.InferAsync([Slice(2)], "default", cancellationToken);
        await time.RunTimersUntilAsync(Task.WhenAll(a, b), Wait, cancellationToken);

        var error = await Assert.ThrowsAsync<DeviceOutOfMemoryException>(() => a.WaitAsync(Wait, cancellationToken));
        await Assert.ThrowsAsync<DeviceOutOfMemoryException>(() => b.WaitAsync(Wait, cancellationToken));
        Assert.Equal([2, 1, 1], model.Calls.Select(c => c.Count));
        Assert.IsType<ExternalException>(error.InnerException);
        var verdict = FailureClassifier.Classify(error);
        Assert.Equal((FailureKind.Transient, FailureClassifier.DeviceOutOfMemory), (verdict.Kind, verdict.Reason));
    }

    [Fact]
    public async Task Batches_failing_on_the_device_in_a_row_make_liveness_fail_and_one_that_succeeds_resets_the_count()
    {
        using var meters = new TestMeterFactory();
        using var telemetry = new WorkerTelemetry(meters);
        var device = Device();
        var model = new FakeSliceInference { FailWith = TorchSharpErrors.DeviceAssert() };
        await using var batcher = Create(model, telemetry, device);
        var cancellationToken = TestContext.Current.CancellationToken;
        var liveness = new List<HealthStatus>();

        for (var batch = 0; batch < MaxFailures; batch++)
        {
            await Assert.ThrowsAsync<ExternalException>(() => batcher.InferAsync([Slice(batch)], "default", cancellationToken).WaitAsync(Wait, cancellationToken));
            liveness.Add(await LivenessAsync(device));
        }

        model.FailWith = null;
        await batcher.InferAsync([Slice(9)], "default", cancellationToken).WaitAsync(Wait, cancellationToken);

        Assert.Equal([HealthStatus.Healthy, HealthStatus.Healthy, HealthStatus.Unhealthy], liveness);
        Assert.Equal(HealthStatus.Healthy, await LivenessAsync(device));
        Assert.Equal(0, device.ConsecutiveFailures);
    }

    public static TheoryData<string> InputFaults => ["UnknownInferenceProfile", "NonFiniteInput"];

    [Theory]
    [MemberData(nameof(InputFaults))]
    public async Task Batches_failed_by_their_jobs_input_do_not_count_against_the_device(string fault)
    {
        using var meters = new TestMeterFactory();
        using var telemetry = new WorkerTelemetry(meters);
        var device = Device();
        Exception error = fault == "NonFiniteInput"
            ? EngineErrors.NonFiniteInput([0], 1)
            : new JobRejectedException(JobRejectedException.UnknownInferenceProfile, "No profile 'x'.");
        var model = new FakeSliceInference { FailWith = error };
        await using var batcher = Create(model, telemetry, device);
        var cancellationToken = TestContext.Current.CancellationToken;

        for (var batch = 0; batch < MaxFailures + 1; batch++)
        {
            var thrown = await Assert.ThrowsAnyAsync<Exception>(() => batcher.InferAsync([Slice(batch)], "x", cancellationToken).WaitAsync(Wait, cancellationToken));
            Assert.Same(error, thrown);
        }

        Assert.Equal(HealthStatus.Healthy, await LivenessAsync(device));
        Assert.Equal(0, device.ConsecutiveFailures);
    }

    [Fact]
    public async Task Once_a_slice_fails_its_job_the_rest_of_that_job_is_not_run_and_other_jobs_are_unaffected()
    {
        using var meters = new TestMeterFactory();
        using var telemetry = new WorkerTelemetry(meters);
        // Slice 1 does not fit even alone; every other slice fits in any call.
        var model = new FakeSliceInference { OutOfMemoryWith = s => s[0] == 1 };
        var time = Clock();
        await using var batcher = Create(model, telemetry, time: time);
        var cancellationToken = TestContext.Current.CancellationToken;

        var failed = batcher.InferAsync([Slice(1), Slice(2), Slice(3), Slice(4)], "default", cancellationToken);
        var other = batcher.InferAsync([Slice(9)], "default", cancellationToken);
        await time.RunTimersUntilAsync(Task.WhenAll(failed, other), Wait, cancellationToken);

        await Assert.ThrowsAsync<DeviceOutOfMemoryException>(() => failed.WaitAsync(Wait, cancellationToken));
        Assert.Equal(9f, Assert.Single(await other.WaitAsync(Wait, cancellationToken)).Score);
        // One batch of five: out of memory, halved to [1, 2]: out of memory, [1] alone fails its job. Slices 2 to 4 are
        // never run after that (they were without the drop: [2], then [3, 4, 9]); the other job's slice still is.
        Assert.Equal([[1, 2, 3, 4, 9], [1, 2], [1], [9]], model.Calls.Select(c => c.Select(s => (int)s[0]).ToArray()));
    }

    [Fact]
    public async Task After_running_out_of_memory_batches_stay_at_the_size_that_fitted_and_grow_back_after_calls_succeed_at_it()
    {
        using var meters = new TestMeterFactory();
        using var telemetry = new WorkerTelemetry(meters);
        var logger = new RecordingLogger<SliceBatcher>();
        var model = new FakeSliceInference { OutOfMemoryAbove = 2 };
        var time = Clock();
        await using var batcher = new SliceBatcher(_ => Task.FromResult<ISliceInference>(model), maxBatchSize: 8, TimeSpan.FromMilliseconds(200), telemetry, time, logger: logger);
        var cancellationToken = TestContext.Current.CancellationToken;
        Task<IReadOnlyList<SliceOutput>> Job(int slices) =>
            RunAsync(time, batcher.InferAsync([.. Enumerable.Range(0, slices).Select(i => Slice(i))], "default", cancellationToken));

        // A batch of four does not fit; its halves of two do, and two becomes the cap.
        await Job(4);
        Assert.Equal([4, 2, 2], model.Calls.Select(c => c.Count));

        // The device is still short of memory: the next batches are called with two slices, none fails first at full size.
        model.Reset();
        await Job(4);
        Assert.Equal([2, 2], model.Calls.Select(c => c.Count));

        // The memory is back: after CapRaiseAfter calls succeed at the cap (two of them above), it doubles to four.
        model.Reset();
        model.OutOfMemoryAbove = null;
        await Job((2 * (SliceBatcher.CapRaiseAfter - 2)) + 8);
        Assert.Equal([.. Enumerable.Repeat(2, SliceBatcher.CapRaiseAfter - 2), 4, 4], model.Calls.Select(c => c.Count));

        // Each change of the cap is logged once, with sizes only.
        Assert.Equal(
            [(LogLevel.Warning, "The GPU ran out of memory for a batch; model calls are capped at 2 of 8 network images until calls at that size keep succeeding"),
             (LogLevel.Information, "Model calls succeeded at the cap; it rises to 4 of 8 network images")],
            logger.Entries.Select(e => (e.Level, e.Message)));
    }

    [Fact]
    public async Task A_full_batch_whose_shared_call_failed_does_not_count_towards_raising_the_cap_when_its_jobs_succeed_alone()
    {
        using var meters = new TestMeterFactory();
        using var telemetry = new WorkerTelemetry(meters);
        var model = new FakeSliceInference { OutOfMemoryAbove = 2 };
        var time = Clock();
        await using var batcher = new SliceBatcher(_ => Task.FromResult<ISliceInference>(model), maxBatchSize: 8, TimeSpan.FromMilliseconds(200), telemetry, time);
        var cancellationToken = TestContext.Current.CancellationToken;
        Task<IReadOnlyList<SliceOutput>> Job(params float[][] slices) =>
            RunAsync(time, batcher.InferAsync(slices, "default", cancellationToken));

        // A batch of four does not fit; two becomes the cap.
        await Job([.. Enumerable.Range(0, 4).Select(i => Slice(i))]);

        // The memory is back, but in each full batch of two one job's slice makes the call fail: the call of two fails,
        // and each job then runs alone in a call of one. No call ran at the cap, so none says the cap holds.
        model.OutOfMemoryAbove = null;
        model.FailWhen = s => s[0] >= 100 ? new InvalidOperationException("poisoned") : null;
        for (var round = 0; round < SliceBatcher.CapRaiseAfter; round++)
        {
            var good = batcher.InferAsync([Slice(round)], "default", cancellationToken);
            var bad = batcher.InferAsync([Slice(100 + round)], "default", cancellationToken);
            await RunAsync(time, good);
            await Assert.ThrowsAsync<InvalidOperationException>(() => bad.WaitAsync(Wait, cancellationToken));
        }

        model.Reset();
        model.FailWhen = null;
        await Job([.. Enumerable.Range(0, 4).Select(i => Slice(i))]);

        // Still capped at two: the cap rises only after calls that really ran at it succeed.
        Assert.Equal([2, 2], model.Calls.Select(c => c.Count));
    }
}
