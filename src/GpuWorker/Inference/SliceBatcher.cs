using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Synomaly.Diffusion.Inference;
using Synomaly.GpuWorker.Processing;
using Synomaly.GpuWorker.Telemetry;

namespace Synomaly.GpuWorker.Inference;

/// <summary>
/// Fills model batches with slices from several jobs. Jobs submit all their slices at once and await their own outputs;
/// one loop takes slices in arrival order, waits at most <c>maxWait</c> after the oldest waiting slice for more to arrive
/// (same inference profile only, up to <c>maxBatchSize</c> network images: a profile with D noise draws fits a D-th as
/// many slices, at least one), runs one model call, and routes each output back to its job and position. A job that is
/// cancelled (lost lock, shutdown) stops waiting at once, and a job fails as soon as one of its slices fails; either way
/// its slices not yet on the device are dropped, in later batches and in the later calls of a batch being halved; a call
/// already on the device runs on while one of its jobs still waits for its outputs, and stops at the engine's next stage
/// once none does, or the batcher is disposed (<see cref="ModelCallCancellation"/>). Disposal fails every job it still holds,
/// in a call or waiting for one, and any job submitted after it, with <see cref="BatcherStoppedException"/>, which the
/// handler gives back as interrupted, as the shutdown deadline does. A fault of the loop itself fails the jobs
/// it holds and the loop goes on, so no job waits for ever behind a batcher that stopped. A batch the device has no memory
/// for is halved until it fits (<see cref="OutOfMemoryBatchSplitter"/>); later batches are then capped at the size that
/// fitted, so that a GPU that stays short of memory does not fail a full-size call first every batch, and the cap doubles
/// after <see cref="CapRaiseAfter"/> calls in a row succeed at it, up to <c>maxBatchSize</c>, so that a passing squeeze
/// does not cut throughput for good. Any other error of a call holding several jobs' slices runs it again job by job, so
/// that only a job failing alone gets it (<see cref="OutOfMemoryBatchSplitter"/>). Every batch's outcome on the device is
/// reported to <see cref="DeviceHealth"/>, whose liveness check has a replica with a broken device restarted.
/// </summary>
public sealed class SliceBatcher : IAsyncDisposable
{
    /// <summary>Model calls in a row that must succeed at the cap before it doubles.</summary>
    public const int CapRaiseAfter = 8;

    private readonly Channel<PendingSlice> incoming = Channel.CreateUnbounded<PendingSlice>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<CancellationToken, Task<ISliceInference>> model;
    private readonly int maxBatchSize;
    private readonly TimeSpan maxWait;
    private readonly WorkerTelemetry telemetry;
    private readonly TimeProvider time;
    private readonly OutOfMemoryBatchSplitter splitter;
    private readonly DeviceHealth? device;
    private readonly ILogger logger;
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;
    private int disposed;

    // Network images per model call that the device is known to hold: maxBatchSize until a call runs out of memory. Read and
    // written by the loop only.
    private int cap;
    private int callsAtCap;

    /// <param name="device">Told whether each batch ran on the device; none in tests that do not watch it.</param>
    /// <param name="logger">Tells when the cap on the batch size changes and when a failed call is run again job by job; none in tests that do not watch it.</param>
    public SliceBatcher(Func<CancellationToken, Task<ISliceInference>> model, int maxBatchSize, TimeSpan maxWait, WorkerTelemetry telemetry, TimeProvider? time = null, DeviceHealth? device = null, ILogger<SliceBatcher>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        this.model = model;
        this.maxBatchSize = maxBatchSize;
        this.maxWait = maxWait;
        this.telemetry = telemetry;
        this.time = time ?? TimeProvider.System;
        this.device = device;
        this.logger = logger ?? NullLogger<SliceBatcher>.Instance;
        cap = maxBatchSize;
        splitter = new OutOfMemoryBatchSplitter(telemetry, this.time, this.logger);
        loop = Task.Run(RunAsync);
    }

    /// <summary>Runs the slices of one job through the model, batched with other jobs' slices; outputs keep the input order.</summary>
    public Task<IReadOnlyList<SliceOutput>> InferAsync(IReadOnlyList<float[]> slices, string inferenceProfile, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(slices);
        if (slices.Count == 0)
        {
            return Task.FromResult<IReadOnlyList<SliceOutput>>([]);
        }

        var request = new JobRequest(slices.Count, cancellationToken);
        var now = time.GetUtcNow();
        for (var i = 0; i < slices.Count; i++)
        {
            if (!incoming.Writer.TryWrite(new PendingSlice(request, i, slices[i], inferenceProfile, now)))
            {
                // Disposed: the worker is shutting down, which is no fault of the job (an ObjectDisposedException was
                // classified Unexpected). Slices already written are skipped by the loop now that the job has ended.
                request.Fail(new BatcherStoppedException());
                break;
            }
        }

        return request.Completion;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        incoming.Writer.TryComplete();
        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The loop ends by cancellation.
        }

        stop.Dispose();
    }

    private async Task RunAsync()
    {
        var backlog = new List<PendingSlice>();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    if (!await RunNextBatchAsync(backlog).ConfigureAwait(false))
                    {
                        return;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
                {
                    // A fault of the loop itself, not of a model call (RunBatchAsync gives those to the batch's jobs). Ending the
                    // loop would leave every waiting and later job hanging while the worker still looks ready, so the jobs it
                    // held fail with the error (their failure policy retries them) and the loop goes on with the next batch.
                    FailAll(backlog, e);
                }
            }
        }
        finally
        {
            // The loop ends only on disposal, whose channel is completed first, so nothing arrives after this drain. The
            // slices still waiting (in the backlog or the channel) would otherwise never be completed, their jobs waiting
            // for ever.
            Drain(backlog);
            FailAll(backlog, new BatcherStoppedException());
        }
    }

    /// <summary>Waits for slices, fills one batch and runs it; false once the channel is completed (disposal).</summary>
    private async Task<bool> RunNextBatchAsync(List<PendingSlice> backlog)
    {
        backlog.RemoveAll(s => s.Request.IsFinished);
        if (backlog.Count == 0)
        {
            if (!await incoming.Reader.WaitToReadAsync(stop.Token).ConfigureAwait(false))
            {
                return false;
            }

            Drain(backlog);
            return true;
        }

        var oldest = backlog[0];
        var (capacity, imagesPerSlice) = await SlicesPerBatchAsync(oldest.Profile).ConfigureAwait(false);
        var deadline = oldest.ArrivedAt + maxWait;
        while (CountWithProfile(backlog, oldest.Profile) < capacity)
        {
            // One clock read for both the check and the wait: with two, the deadline could pass in between and the wait
            // get a negative span (an exception, or -1 ms: an endless wait).
            var remaining = deadline - time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            using var timeout = new CancellationTokenSource(remaining, time);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stop.Token, timeout.Token);
            try
            {
                if (!await incoming.Reader.WaitToReadAsync(wait.Token).ConfigureAwait(false))
                {
                    break;
                }
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                break;
            }

            Drain(backlog);
        }

        // Slices queued before the wait ended join the batch (up to its capacity) even when its timer won the race against
        // them: a wait cancelled by its timer ends before the queue is looked at, and which of the two the loop saw first
        // depended on the thread scheduler, so jobs that came together got a model call each on a busy machine.
        Drain(backlog);
        var batch = TakeBatch(backlog, oldest.Profile, capacity);
        if (batch.Count > 0)
        {
            await RunBatchAsync(batch, oldest.Profile, capacity, imagesPerSlice).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>A call stopped by the disposal, told as such (the handler interrupts the job); any other error as it is.</summary>
    private Exception StoppedOr(Exception error) =>
        error is OperationCanceledException && stop.IsCancellationRequested ? new BatcherStoppedException("The worker is shutting down: the slice batcher stopped the model call under way.", error) : error;

    private static void FailAll(List<PendingSlice> backlog, Exception error)
    {
        foreach (var slice in backlog)
        {
            slice.Request.Fail(error);
        }

        backlog.Clear();
    }

    private void Drain(List<PendingSlice> backlog)
    {
        while (incoming.Reader.TryRead(out var slice))
        {
            backlog.Add(slice);
        }
    }

    private static int CountWithProfile(List<PendingSlice> backlog, string profile)
    {
        var count = 0;
        foreach (var slice in backlog)
        {
            if (!slice.Request.IsFinished && slice.Profile == profile)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>How many slices of <paramref name="profile"/> make a call of at most the cap's network images, and its images per slice.</summary>
    private async Task<(int Slices, int ImagesPerSlice)> SlicesPerBatchAsync(string profile)
    {
        try
        {
            var inference = await model(stop.Token).ConfigureAwait(false);
            var images = Math.Max(1, inference.ImagesPerSlice(profile));
            return (Math.Max(1, cap / images), images);
        }
        catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
        {
            // A model that failed to load (or a profile it lacks) fails the batch's jobs in RunBatchAsync with the same error.
            return (cap, 1);
        }
    }

    private static List<PendingSlice> TakeBatch(List<PendingSlice> backlog, string profile, int capacity)
    {
        var batch = new List<PendingSlice>(capacity);
        backlog.RemoveAll(slice =>
        {
            if (slice.Request.IsFinished)
            {
                return true;
            }

            if (batch.Count < capacity && slice.Profile == profile)
            {
                batch.Add(slice);
                return true;
            }

            return false;
        });
        return batch;
    }

    private async Task RunBatchAsync(List<PendingSlice> batch, string profile, int capacity, int imagesPerSlice)
    {
        ISliceInference inference;
        try
        {
            inference = await model(stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            foreach (var slice in batch)
            {
                slice.Request.Fail(new BatcherStoppedException());
            }

            throw;
        }
        catch (Exception e)
        {
            // No model (its load failed): every job in the batch sees the error; its own failure policy decides whether to
            // retry. Not the device's fault: the load failure has a liveness check of its own.
            foreach (var slice in batch)
            {
                slice.Request.Fail(e);
            }

            return;
        }

        // A failed slice fails its job at once, and slices of jobs that have ended (failed here, cancelled) are not run in
        // the batch's later calls: their outputs would be thrown away. Jobs finished before the batch never entered it.
        // Once all of them have ended, the call under way stops too.
        using var cancellation = new ModelCallCancellation(batch.Select(s => s.Request.Completion).Distinct(), stop.Token);
        var result = splitter.Run(
            inference,
            [.. batch.Select(s => s.Pixels)],
            profile,
            owner: i => batch[i].Request,
            dropped: i => batch[i].Request.IsFinished,
            failed: (i, error) => batch[i].Request.Fail(StoppedOr(error)),
            cancellation.Token);
        ReportToDevice(result);
        AdjustCap(result, capacity, imagesPerSlice);
        for (var i = 0; i < batch.Count; i++)
        {
            // A job with one failed slice has failed (with that slice's error) above; a job whose slices all came back gets them.
            if (result.Slices[i].Output is { } output)
            {
                batch[i].Request.Deliver(batch[i].Index, output);
            }
        }
    }

    /// <summary>
    /// Lowers the cap to what fitted after a call ran out of memory (one slice when nothing did), and doubles it once
    /// <see cref="CapRaiseAfter"/> calls in a row have succeeded at it. Only a call that ran with the full
    /// <paramref name="capacity"/> and succeeded counts: a batch smaller than the cap, or a full one whose shared call
    /// failed for another reason (one job's slices) and whose jobs then succeeded in smaller calls of their own, proves
    /// nothing about the memory a call at the cap needs, so it neither counts nor resets the count.
    /// </summary>
    private void AdjustCap(SplitBatchResult result, int capacity, int imagesPerSlice)
    {
        if (result.LargestFitAfterOutOfMemory is { } fitted)
        {
            callsAtCap = 0;
            var lowered = Math.Min(maxBatchSize, Math.Max(1, fitted) * imagesPerSlice);
            if (lowered < cap)
            {
                cap = lowered;
                logger.LogWarning("The GPU ran out of memory for a batch; model calls are capped at {Cap} of {MaxBatchSize} network images until calls at that size keep succeeding", cap, maxBatchSize);
            }
        }
        else if (cap < maxBatchSize && result.LargestCallSucceeded == capacity && ++callsAtCap >= CapRaiseAfter)
        {
            callsAtCap = 0;
            cap = Math.Min(maxBatchSize, cap * 2);
            logger.LogInformation("Model calls succeeded at the cap; it rises to {Cap} of {MaxBatchSize} network images", cap, maxBatchSize);
        }
    }

    /// <summary>
    /// A batch the device answered at least once shows it works; one whose every call failed counts against it, unless
    /// the jobs' input failed it (an unknown inference profile, slices with NaN or infinite pixels) or it was stopped
    /// because nobody waited for it any more, which say nothing about the device.
    /// </summary>
    private void ReportToDevice(SplitBatchResult result)
    {
        if (result.AnyCallSucceeded)
        {
            device?.RecordSuccess();
        }
        else if (result.Slices.Select(s => s.Error).FirstOrDefault(e => e is not null and not JobRejectedException and not NonFiniteInputException and not OperationCanceledException) is { } fault)
        {
            device?.RecordFailure(fault);
        }
    }

    private sealed record PendingSlice(JobRequest Request, int Index, float[] Pixels, string Profile, DateTimeOffset ArrivedAt);

    /// <summary>One job's slices in flight: outputs fill in by index; the job's task completes when the last one arrives.</summary>
    private sealed class JobRequest
    {
        private readonly SliceOutput[] outputs;
        private readonly TaskCompletionSource<IReadOnlyList<SliceOutput>> completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenRegistration cancellation;
        private int remaining;

        public JobRequest(int count, CancellationToken cancellationToken)
        {
            outputs = new SliceOutput[count];
            remaining = count;
            // A cancelled job stops waiting at once; the loop then skips its slices that are not yet in a batch.
            cancellation = cancellationToken.Register(() => completion.TrySetCanceled(cancellationToken));
        }

        public Task<IReadOnlyList<SliceOutput>> Completion => completion.Task;

        public bool IsFinished => completion.Task.IsCompleted;

        public void Deliver(int index, SliceOutput output)
        {
            outputs[index] = output;
            if (Interlocked.Decrement(ref remaining) == 0)
            {
                completion.TrySetResult(outputs);
                cancellation.Dispose();
            }
        }

        public void Fail(Exception error)
        {
            completion.TrySetException(error);
            cancellation.Dispose();
        }
    }
}
