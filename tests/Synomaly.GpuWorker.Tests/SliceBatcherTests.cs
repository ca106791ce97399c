using Synomaly.GpuWorker.Inference;
using Synomaly.GpuWorker.Telemetry;
using Synomaly.GpuWorker.Tests.Support;

namespace Synomaly.GpuWorker.Tests;

public sealed class SliceBatcherTests
{
    /// <summary>How long a test waits in real time for what will come: a guard against a hang, not a speed target.</summary>
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    private static float[] Slice(float value) => Enumerable.Repeat(value, 16).ToArray();

    /// <summary>
    /// A clock for the batch window that only the test moves: jobs queued one after another share a window however long
    /// the machine takes between them, and the window closes when the test runs the clock on, not when the scheduler does.
    /// </summary>
    private static ManualTimeProvider Clock() => new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static SliceBatcher Create(FakeSliceInference model, int maxBatchSize, TimeSpan maxWait, WorkerTelemetry telemetry, TimeProvider? time = null) =>
        new(_ => Task.FromResult<ISliceInference>(model), maxBatchSize, maxWait, telemetry, time);

    [Fact]
    public async Task Slices_from_several_jobs_share_one_model_call_and_outputs_go_back_to_their_jobs()
    {
        using var meters = new TestMeterFactory();
        using var telemetry = new WorkerTelemetry(meters);
        var model = new FakeSliceInference();
        var time = Clock();
        await using var batcher = Create(model, maxBatchSize: 16, TimeSpan.FromSeconds(2), telemetry, time);
        var cancellationToken = TestContext.Current.CancellationToken;

        // Job A: values 1.x, job B: 2.x, job C: 3.x; the first pixel identifies the job and the slice. B and C come once the
        // batcher has taken A's slices and waits for more (its timer is set), so they join A's call by the wait alone.
        var a = batcher.InferAsync([Slice(1.0f), Slice(1.1f), Slice(1.2f)], "default", cancellationToken);
        await time.NextDueAsync().WaitAsync(Wait, cancellationToken);
        var b = batcher.InferAsync([Slice(2.0f), Slice(2.1f)], "default", cancellationToken);
        var c = batcher.InferAsync([Slice(3.0f), Slice(3.1f), Slice(3.2f), Slice(3.3f)], "default", cancellationToken);

        // Nine slices are fewer than the batch size: the batcher waits (up to 2 s) and runs them as one call.
        var all = Task.WhenAll(a, b, c);
        await time.RunTimersUntilAsync(all, Wait, cancellationToken);
        var results = await all.WaitAsync(Wait, cancellationToken);

        var call = Assert.Single(model.Calls);
        Assert.Equal(9, call.Count);
        Assert.Equal([1.0f, 1.1f, 1.2f], results[0].Select(o => o.Score));
        Assert.Equal([2.0f, 2.1f], results[1].Select(o => o.Score));
        Assert.Equal([3.0f, 3.1f, 3.2f, 3.3f], results[2].Select(o => o.Score));
        Assert.All(results.SelectMany(r => r), o => Assert.Equal(o.Score * 2, o.AnomalyMap[5], 5));
    }

    [Fact]
    public async Task A_profile_with_noise_draws_fills_a_call_by_network_images_not_by_slices()
    {
        using var meters = new TestMeterFactory();
        using var telemetry = new WorkerTelemetry(meters);
        var model = new FakeSliceInference();
        model.DrawsByProfile["drawn"] = 4;
        model.DrawsByProfile["many-draws"] = 16;
        var time = Clock();
        await using var batcher = Create(model, maxBatchSize: 8, TimeSpan.FromMilliseconds(200), telemetry, time);
        var cancellationToken = TestContext.Current.CancellationToken;
        async Task<IReadOnlyList<SliceOutput>> Job(float[][] slices, string profile)
        {
            var job = batcher.InferAsync(slices, profile, cancellationToken);
            await time.RunTimersUntilAsync(job, Wait, cancellationToken);
            return await job.WaitAsync(Wait, cancellationToken);
        }

        var drawn = await Job([.. Enumerable.Range(0, 5).Select(i => Slice(i))], "drawn");
        var drawnCalls = model.Calls.Select(c => c.Count).ToList();
        model.Reset();
        var many = await Job([Slice(1), Slice(2)], "many-draws");
        var manyCalls = model.Calls.Select(c => c.Count).ToList();
        model.Reset();
        var plain = await Job([.. Enumerable.Range(0, 8).Select(i => Slice(i))], "default");

        // 8 images per call: 2 slices of 4 draws; a slice of 16 draws still goes alone; a one-draw profile fills 8 slices.
        Assert.Equal([2, 2, 1], drawnCalls);
        Assert.Equal([1, 1], manyCalls);
        Assert.Equal(8, Assert.Single(model.Calls).Count);
        Assert.Equal([0f, 1f, 2f, 3f, 4f], drawn.Select(o => o.Score));
        Assert.Equal([1f, 2f], many.Select(o => o.Score));
        Assert.Equal(8, plain.Count);
    }

    [Fact]
    public async Task No_batch_exceeds_the_maximum_size_and_every_slice_is_answered_once()
    {
        using var meters = new TestMeterFactory();
        using var telemetry = new WorkerTelemetry(meters);
        var model = new FakeSliceInference();
        await using var batcher = Create(model, maxBatchSize: 4, TimeSpan.FromMilliseconds(10), telemetry);
        var cancellationToken = TestContext.Current.CancellationToken;

        var jobs = Enumerable.Range(0, 5)
            .Select(j => batcher.InferAsync([.. Enumerable.Range(0, 3).Select(i => Slice(j + (i / 10f)))], "default", cancellationToken))
            .ToArray();
        var results = await Task.WhenAll(jobs).WaitAsync(Wait, cancellationToken);

        Assert.All(model.Calls, call => Assert.InRange(call.Count, 1, 4));
        Assert.Equal(15, model.Calls.Sum(c => c.Count));
        for (var j = 0; j < 5; j++)
        {
            Assert.Equal([j, j + 0.1f, j + 0.2f], results[j].Select(o => o.Score));
        }
    }

    [Fact]
    public async Task A_full_batch_runs_without_waiting_for_the_maximum_wait()
    {
        using var meters = new TestMeterFactory();
        using var telemetry = new WorkerTelemetry(meters);
        var model = new FakeSliceInference();
        // The clock never moves: the window could only close by the batch filling up.
        await using var batcher = Create(model, maxBatchSize: 2, TimeSpan.FromMinutes(5), telemetry, Clock());

        var result = await batcher.InferAsync([Slice(1), Slice(2)], "default", TestContext.Current.CancellationToken)
            .WaitAsync(Wait, TestContext.Current.CancellationToken);

        Assert.Equal(2, result.Count);
    }

    [Fact]
    public async Task Slices_with_different_inference_profiles_never_share_a_call()
    {
        using var meters = new TestMeterFactory();
        using var telemetry = new WorkerTelemetry(meters);
        var model = new FakeSliceInference();
        var time = Clock();
        await using var batcher = Create(model, maxBatchSize: 8, TimeSpan.FromMilliseconds(200), telemetry, time);
        var cancellationToken = TestContext.Current.CancellationToken;

        // The liver job comes while the batcher waits for more slices after the brain job's: only their profiles keep them apart.
        var brain = batcher.InferAsync([Slice(1), Slice(1.5f)], "brain-mri", cancellationToken);
        await time.NextDueAsync().WaitAsync(Wait, cancellationToken);
        var liver = batcher.InferAsync([Slice(2)], "liver-ct", cancellationToken);
        var both = Task.WhenAll(brain, liver);
        await time.RunTimersUntilAsync(both, Wait, cancellationToken);
        await both.WaitAsync(Wait, cancellationToken);

        Assert.Equal(2, model.Calls.Count);
        Assert.Contains(model.Calls, c => c.Count == 2 && c.All(s => s[0] < 2));
        Assert.Contains(model.Calls, c => c.Count == 1 && c[0][0] == 2);
    }

    [Fact]
    public async Task A_cancelled_job_stops_waiting_and_its_queued_slices_are_not_run()
    {
        using var meters = new TestMeterFactory();
        using var telemetry = new WorkerTelemetry(meters);
        var model = new FakeSliceInference { Hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var batcher = Create(model, maxBatchSize: 1, TimeSpan.Zero, telemetry);
        var cancellationToken = TestContext.Current.CancellationToken;
        using var lost = new CancellationTokenSource();

        var first = batcher.InferAsync([Slice(1)], "default", cancellationToken);
        await model.Started.Task.WaitAsync(Wait, cancellationToken);
        var cancelled = batcher.InferAsync([Slice(7), Slice(8)], "default", lost.Token);
        await lost.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        model.Hold.SetResult();
        var later = await batcher.InferAsync([Slice(9)], "default", cancellationToken).WaitAsync(Wait, cancellationToken);
        await first;

        Assert.Equal(9, later[0].Score);
        Assert.DoesNotContain(model.Calls.SelectMany(c => c), s => s[0] is 7 or 8);
    }

    [Fact]
    public async Task A_failed_model_call_fails_every_job_in_the_batch()
    {
        using var meters = new TestMeterFactory();
        using var telemetry = new WorkerTelemetry(meters);
        var model = new FakeSliceInference { FailWith = new InvalidOperationException("CUDA error: an illegal memory access was encountered") };
        var time = Clock();
        await using var batcher = Create(model, maxBatchSize: 8, TimeSpan.FromMilliseconds(100), telemetry, time);
        var cancellationToken = TestContext.Current.CancellationToken;

        var a = batcher.InferAsync([Slice(1)], "default", cancellationToken);
        var b = batcher.InferAsync([Slice(2)], "default", cancellationToken);
        await time.RunTimersUntilAsync(Task.WhenAll(a, b), Wait, cancellationToken);

        // One batch of both: its call failed, then each job alone (fault isolation), and each job got the error.
        Assert.Equal([2, 1, 1], model.Calls.Select(c => c.Count));
        Assert.Equal("CUDA error: an illegal memory access was encountered", (await Assert.ThrowsAsync<InvalidOperationException>(() => a)).Message);
        await Assert.ThrowsAsync<InvalidOperationException>(() => b);
    }

    [Fact]
    public async Task A_batch_deadline_that_passes_between_two_clock_reads_does_not_stop_the_batcher()
    {
        using var meters = new TestMeterFactory();
        using var telemetry = new WorkerTelemetry(meters);
        var model = new FakeSliceInference();
        // Every read moves the clock 30 ms on: the slice arrives at +30 ms, its deadline is +80 ms, the loop's first read
        // (+60 ms) is before it and a second read (+90 ms) would be after it.
        await using var batcher = Create(model, maxBatchSize: 8, TimeSpan.FromMilliseconds(50), telemetry, new SteppingClock(TimeSpan.FromMilliseconds(30)));
        var cancellationToken = TestContext.Current.CancellationToken;

        var first = await batcher.InferAsync([Slice(1)], "default", cancellationToken).WaitAsync(Wait, cancellationToken);
        var second = await batcher.InferAsync([Slice(2)], "default", cancellationToken).WaitAsync(Wait, cancellationToken);

        Assert.Equal(1, Assert.Single(first).Score);
        Assert.Equal(2, Assert.Single(second).Score);
    }

    [Fact]
    public async Task Slices_queued_as_the_batch_window_closes_still_join_the_batch()
    {
        using var meters = new TestMeterFactory();
        using var telemetry = new WorkerTelemetry(meters);
        var model = new FakeSliceInference();
        var cancellationToken = TestContext.Current.CancellationToken;
        SliceBatcher? batcher = null;
        Task<IReadOnlyList<SliceOutput>>? second = null;
        // The second job is queued after the loop took the first job's slice and just before its wait for more ends.
        var clock = new WindowClosingClock(() => second = batcher!.InferAsync([Slice(2)], "default", cancellationToken));
        await using var created = Create(model, maxBatchSize: 8, TimeSpan.FromMilliseconds(200), telemetry, clock);
        batcher = created;

        var first = await batcher.InferAsync([Slice(1)], "default", cancellationToken).WaitAsync(Wait, cancellationToken);
        var other = await second!.WaitAsync(Wait, cancellationToken);

        // Before, the wait ended by its timer left the second job's slice in the queue: a call of its own, and on a busy
        // machine jobs that came together were split by when the loop got to run, not by when they came.
        Assert.Equal([2], model.Calls.Select(c => c.Count));
        Assert.Equal((1, 2), (Assert.Single(first).Score, Assert.Single(other).Score));
    }

    [Fact]
    public async Task A_fault_in_the_batching_loop_fails_the_jobs_it_held_and_later_jobs_still_run()
    {
        using var meters = new TestMeterFactory();
        using var telemetry = new WorkerTelemetry(meters);
        var model = new FakeSliceInference();
        // Read 1 stamps the first job's slice; read 2 is the loop's, as it waits to fill the batch.
        await using var batcher = Create(model, maxBatchSize: 8, TimeSpan.FromMilliseconds(20), telemetry, new ClockFaultingOnce(faultyRead: 2));
        var cancellationToken = TestContext.Current.CancellationToken;

        var failed = batcher.InferAsync([Slice(1)], "default", cancellationToken).WaitAsync(Wait, cancellationToken);
        Assert.Same(ClockFaultingOnce.Fault, await Assert.ThrowsAsync<InvalidOperationException>(() => failed));
        var later = await batcher.InferAsync([Slice(2)], "default", cancellationToken).WaitAsync(Wait, cancellationToken);

        Assert.Equal(2, Assert.Single(later).Score);
    }
}
