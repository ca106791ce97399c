using Microsoft.Extensions.Logging;
using Synomaly.GpuWorker.Telemetry;

namespace Synomaly.GpuWorker.Inference;

/// <summary>
/// Runs one batch through the model, halving it whenever the device runs out of memory, down to one slice per call, so
/// that a batch too large for the memory left (other processes, fragmentation, a large profile) still gives every slice
/// its output instead of failing every job in it. Each call's outputs depend only on its own slices (the noise is seeded
/// per slice), so a split batch answers as the whole one would, up to the network's rounding. Only a slice that does not
/// fit on its own fails, with <see cref="DeviceOutOfMemoryException"/>.
/// Any other error of a call holding slices of several jobs (one job's slices making the network answer NaN, say) is
/// not given to all of them: the call runs again as one call per job, in the order the jobs came, and only a job whose
/// own call fails gets an error, its own. One call per job rather than a bisection: a batch holds slices of at most
/// Worker__MaxConcurrentJobs jobs (4), so the re-run costs at most that many calls, together the failed call's slices
/// once more, and each job's outcome comes from a call of its slices alone, which is the result the job would have had
/// alone; bisecting would save nothing at that size, and its halves would still mix jobs. A cancelled call is neither
/// halved nor split: nobody waits for it. TorchSharp 0.107 offers no torch.cuda.empty_cache(), and none is needed
/// between tries: the failed call's tensors are freed by its dispose scope, and the caching allocator releases its cached
/// blocks itself before it reports out of memory.
/// </summary>
internal sealed class OutOfMemoryBatchSplitter(WorkerTelemetry telemetry, TimeProvider time, ILogger logger)
{
    /// <summary>
    /// The output or the error of each slice, in input order, and whether any model call succeeded. Before each call the
    /// slices <paramref name="dropped"/> names (their job has failed or was cancelled, possibly by an earlier call of this
    /// batch) are left out, so a failed job spends no more device time; they get neither output nor error. Each failed
    /// slice is reported to <paramref name="failed"/> at once, so that its job is finished before the next call. Once
    /// <paramref name="cancellationToken"/> is cancelled the call under way stops at its next stage and no further call is
    /// made: the slices left fail with the <see cref="OperationCanceledException"/>, neither halved nor counted as a fault.
    /// <paramref name="owner"/> names each slice's job (any object that tells jobs apart), by which a failed call is split.
    /// </summary>
    public SplitBatchResult Run(
        ISliceInference inference, IReadOnlyList<float[]> slices, string profile, Func<int, object> owner, Func<int, bool> dropped, Action<int, Exception> failed, CancellationToken cancellationToken)
    {
        var outcomes = new SliceOutcome[slices.Count];
        var batch = new Batch(inference, slices, profile, owner, dropped, failed, outcomes, new CallSizes(), cancellationToken);
        var anyCallSucceeded = RunPart(batch, [.. Enumerable.Range(0, slices.Count)]);
        return new SplitBatchResult(outcomes, anyCallSucceeded, batch.Calls.LargestSucceeded, batch.Calls.RanOutOfMemory ? batch.Calls.LargestSucceeded : null);
    }

    private bool RunPart(Batch batch, int[] part)
    {
        var (inference, slices, profile, owner, dropped, failed, outcomes, calls, cancellationToken) = batch;
        var indices = part.Where(i => !dropped(i)).ToArray();
        if (indices.Length == 0)
        {
            return false;
        }

        var count = indices.Length;
        Exception error;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            var begun = time.GetTimestamp();
            var outputs = inference.Run([.. indices.Select(i => slices[i])], profile, cancellationToken);
            telemetry.RecordBatch(count, time.GetElapsedTime(begun));
            if (outputs.Count != count)
            {
                throw new InvalidOperationException($"The model returned {outputs.Count} outputs for a batch of {count} slices.");
            }

            for (var i = 0; i < count; i++)
            {
                outcomes[indices[i]] = new SliceOutcome(outputs[i], null);
            }

            calls.LargestSucceeded = Math.Max(calls.LargestSucceeded, count);
            return true;
        }
        catch (Exception e)
        {
            error = e;
        }

        calls.RanOutOfMemory |= CudaOutOfMemory.Is(error);
        if (CudaOutOfMemory.Is(error) && count > 1)
        {
            // Halves run one after the other, after the failed call has left the device: both get all the memory there is.
            var half = count / 2;
            var first = RunPart(batch, indices[..half]);
            var second = RunPart(batch, indices[half..]);
            return first || second;
        }

        var cancelled = error is OperationCanceledException && cancellationToken.IsCancellationRequested;
        var jobs = indices.GroupBy(owner).Select(g => g.ToArray()).ToList();
        if (!CudaOutOfMemory.Is(error) && !cancelled && jobs.Count > 1)
        {
            // By type only: a third-party message (TorchSharp's) can hold a path.
            logger.LogWarning(
                "A model call holding slices of {Jobs} jobs failed ({ErrorType}); each job's slices run again in calls of their own, so that only a job that fails alone gets the error",
                jobs.Count,
                error.GetType().Name);
            var anySucceeded = false;
            foreach (var job in jobs)
            {
                anySucceeded |= RunPart(batch, job);
            }

            return anySucceeded;
        }

        var failure = CudaOutOfMemory.Is(error)
            ? new DeviceOutOfMemoryException("The GPU ran out of memory even for one slice per model call.", error)
            : error;
        foreach (var i in indices)
        {
            outcomes[i] = new SliceOutcome(null, failure);
            failed(i, failure);
        }

        return false;
    }

    /// <summary>What every call of one batch shares: its slices, their jobs and outcomes, and the calls made so far.</summary>
    private sealed record Batch(
        ISliceInference Inference,
        IReadOnlyList<float[]> Slices,
        string Profile,
        Func<int, object> Owner,
        Func<int, bool> Dropped,
        Action<int, Exception> Failed,
        SliceOutcome[] Outcomes,
        CallSizes Calls,
        CancellationToken CancellationToken);

    /// <summary>Whether a call of the batch ran out of memory, and the most slices a call of it held successfully.</summary>
    private sealed class CallSizes
    {
        public bool RanOutOfMemory { get; set; }

        public int LargestSucceeded { get; set; }
    }
}

/// <summary>One slice's output, or the error its model call ended with; neither for a slice left out because its job had ended.</summary>
internal readonly record struct SliceOutcome(SliceOutput? Output, Exception? Error);

/// <summary>
/// The outcome of every slice of a batch, whether the device answered at least one of its calls, the most slices a call
/// held successfully (0 when none did), and the same where a call ran out of memory; null when no call ran out of memory.
/// </summary>
internal sealed record SplitBatchResult(IReadOnlyList<SliceOutcome> Slices, bool AnyCallSucceeded, int LargestCallSucceeded, int? LargestFitAfterOutOfMemory);
