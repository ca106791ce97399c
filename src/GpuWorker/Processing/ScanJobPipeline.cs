using System.Diagnostics;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Inference;
using Synomaly.GpuWorker.Results;
using Synomaly.GpuWorker.Scans;

namespace Synomaly.GpuWorker.Processing;

/// <summary>
/// Turns one admitted job into its result files: checks that the job asks for the served model, downloads the scan,
/// prepares model-size slices, runs them through the shared batcher and renders the results. It neither reads nor moves
/// the job record and writes nothing: <see cref="ScanJobHandler"/> writes the files between two record steps (the read
/// that notices a newer upload, then Succeeded), so every write that decides how a job ends stays in one place. Any
/// failure escapes as an exception for the handler to classify.
/// </summary>
public sealed class ScanJobPipeline(
    IScanBlobReader reader,
    IScanCodec codec,
    InferenceHost model,
    SliceBatcher batcher,
    TransientRetry retry)
{
    /// <summary>Runs the model over <paramref name="job"/>'s scan; tags <paramref name="activity"/> with the slice count.</summary>
    public async Task<ScanJobResults> RunAsync(ScanJob job, Activity? activity, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(job);
        var inference = await model.WhenReadyAsync(cancellationToken).ConfigureAwait(false);
        var profile = RequireServedModel(job, inference);
        var scan = await retry.ExecuteAsync(ct => reader.ReadAsync(job, ct), cancellationToken).ConfigureAwait(false);
        var decoded = codec.Prepare(scan, job, inference.SliceSize, inference.TrainedFor, inference.Orientation, cancellationToken);
        RequireModelSize(decoded, inference.SliceSize);
        activity?.SetTag("synomaly.slices", decoded.Slices.Count);

        var outputs = await batcher.InferAsync(decoded.Slices, profile, cancellationToken).ConfigureAwait(false);
        // The report names the profile that ran, not the alias ("default") the job may carry.
        var files = codec.Render(job with { InferenceProfile = profile }, decoded, outputs, cancellationToken);
        return new ScanJobResults(files, decoded.Slices.Count);
    }

    /// <summary>
    /// Results are filed under the job's model version, so a job for another model or version (queued before a roll-out, or
    /// sent to the wrong queue) must not be answered by this model; the job fails with the reason, and can be resubmitted.
    /// Returns the name of the card's profile the job runs with (its alias resolved once, here).
    /// </summary>
    private static string RequireServedModel(ScanJob job, ISliceInference inference)
    {
        if (!string.Equals(job.ModelVersion, inference.ModelVersion, StringComparison.Ordinal) || !string.Equals(job.ModelName, inference.ModelName, StringComparison.Ordinal))
        {
            throw new JobRejectedException(JobRejectedException.ModelVersionMismatch, $"The job asks for model {job.ModelName} {job.ModelVersion}; this worker serves {inference.ModelName} {inference.ModelVersion}.");
        }

        return inference.ResolveProfile(job.InferenceProfile);
    }

    private static void RequireModelSize(DecodedScanSlices scan, (int Height, int Width) size)
    {
        var expected = size.Height * size.Width;
        if (scan.Slices.Count == 0)
        {
            // Nothing to answer is a property of the scan, not of the slice size: the codecs' own reason for it.
            throw new Imaging.ScanRejectedException(Imaging.ScanRejectionCode.NoUsableSlices, "The scan has no slices to process.");
        }

        var wrong = scan.Slices.FirstOrDefault(s => s.Length != expected);
        if (wrong is not null)
        {
            throw new JobRejectedException(JobRejectedException.WrongDimensions, $"A prepared slice has {wrong.Length} pixels; the model takes {size.Height}x{size.Width}.");
        }
    }
}
