using Synomaly.Contracts;
using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Schedules;
using Synomaly.Diffusion.Weights;
using Synomaly.GpuWorker.Processing;
using Synomaly.Imaging.Presets;
using static TorchSharp.torch;

namespace Synomaly.GpuWorker.Inference;

/// <summary>
/// The engine behind the batcher: one batch of slices becomes one [B,1,H,W] tensor and one AnomalyDetector call with the
/// job's inference profile from the model card; the outputs are copied back per slice. Every tensor of a call lives in
/// its dispose scope, so batches leave nothing behind on the device. The profile's options seed each slice's noise from
/// its pixels (NoiseSeeding.PerSlice), so a slice's noise does not depend on the other jobs sharing its batch (its output
/// only by the network's last-bit rounding, which depends on the batch size). Owns the
/// network and the diffusion (whose schedule tables live on the device) and disposes both.
/// </summary>
public sealed class DiffusionSliceInference(UNet model, GaussianDiffusion diffusion, ModelCard card) : ISliceInference, IDisposable
{
    private readonly AnomalyDetector detector = new(model, diffusion);

    public string ModelName => card.Name;

    public string ModelVersion => card.Version;

    public (int Height, int Width) SliceSize => (card.Preprocessing.ImageSize, card.Preprocessing.ImageSize);

    public ModalityHint TrainedFor { get; } = ModalityNames.ParseRecorded(card.Preprocessing.Modality);

    public SliceOrientation Orientation { get; } = SliceOrientationNames.ParseRecorded(card.ExpectedSliceOrientation());

    public string ResolveProfile(string inferenceProfile)
    {
        var name = ProfileKey(inferenceProfile) ?? card.DefaultProfile;
        Profile(name);
        return name!;
    }

    public int ImagesPerSlice(string inferenceProfile) => Profile(ProfileKey(inferenceProfile)).ToOptions().NoiseDraws;

    public IReadOnlyList<SliceOutput> Run(IReadOnlyList<float[]> slices, string inferenceProfile, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(slices);
        var options = Profile(ProfileKey(inferenceProfile)).ToOptions();
        var (height, width) = SliceSize;
        var pixels = height * width;
        var batch = new float[slices.Count * pixels];
        for (var i = 0; i < slices.Count; i++)
        {
            // The pipeline checks each job's slices, but this buffer would zero-pad a short slice without a word.
            if (slices[i].Length != pixels)
            {
                throw new ArgumentException($"The batch's slice {i} of {slices.Count} (from 0) has {slices[i].Length} pixels; the model takes {height}x{width}.", nameof(slices));
            }

            slices[i].AsSpan().CopyTo(batch.AsSpan(i * pixels, pixels));
        }

        DetectionResult result;
        using (NewDisposeScope())
        {
            // A host tensor that Detect moves to the model's device: named, not left to the default device, which is the
            // CPU only as long as nothing in the process changes it.
            using var input = tensor(batch, [slices.Count, 1, height, width], device: CPU);
            result = detector.Detect(input, options, cancellationToken: cancellationToken);
        }

        var outputs = new SliceOutput[slices.Count];
        for (var i = 0; i < slices.Count; i++)
        {
            outputs[i] = new SliceOutput(result.Reconstruction(i).ToArray(), result.Map(i).ToArray(), result.Mask(i), result.Scores[i], result.StagesRun[i], result.NormativeFallback[i]);
        }

        return outputs;
    }

    public void Dispose()
    {
        diffusion.Dispose();
        model.Dispose();
    }

    /// <summary>The card's profile key a job's profile name means: null (the card's default) for the alias, unless the card has a profile of that name.</summary>
    private string? ProfileKey(string name) =>
        string.IsNullOrEmpty(name) || (name == InferenceProfileNames.Default && !card.InferenceProfiles.ContainsKey(name)) ? null : name;

    private InferenceProfile Profile(string? key)
    {
        try
        {
            return card.Profile(key);
        }
        catch (InvalidModelConfigException e)
        {
            throw new JobRejectedException(JobRejectedException.UnknownInferenceProfile, e.Message);
        }
    }
}
