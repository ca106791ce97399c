using Synomaly.Contracts;
using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Weights;
using Synomaly.GpuWorker.Processing;
using Synomaly.Imaging.Presets;
using static TorchSharp.torch;

namespace Synomaly.GpuWorker.Inference;

/// <summary>
/// The engine behind the batcher: one batch of slices becomes one [B,1,H,W] tensor and one AnomalyDetector call with the
/// job's inference profile from the model card; the outputs are copied back per slice. Every tensor of a call lives in
/// its dispose scope, so batches leave nothing behind on the device. The profile's options seed each slice's noise from
/// its pixels (NoiseSeeding.PerSlice), so a slice's output does not depend on the other jobs sharing its batch.
/// </summary>
public sealed class DiffusionSliceInference(UNet model, AnomalyDetector detector, ModelCard card) : ISliceInference, IDisposable
{
    /// <summary>The profile name a ScanJob carries when it asks for the model card's default.</summary>
    public const string DefaultProfileName = "default";

    public string ModelName => card.Name;

    public string ModelVersion => card.Version;

    public (int Height, int Width) SliceSize => (card.Preprocessing.ImageSize, card.Preprocessing.ImageSize);

    public ModalityHint TrainedFor { get; } = ModalityNames.ParseRecorded(card.Preprocessing.Modality);

    public SliceOrientation Orientation { get; } = SliceOrientationNames.ParseRecorded(card.ExpectedSliceOrientation());

    public void RequireProfile(string inferenceProfile) => Profile(inferenceProfile);

    public int ImagesPerSlice(string inferenceProfile) => Profile(inferenceProfile).ToOptions().NoiseDraws;

    public IReadOnlyList<SliceOutput> Run(IReadOnlyList<float[]> slices, string inferenceProfile)
    {
        ArgumentNullException.ThrowIfNull(slices);
        var options = Profile(inferenceProfile).ToOptions();
        var (height, width) = SliceSize;
        var pixels = height * width;
        var batch = new float[slices.Count * pixels];
        for (var i = 0; i < slices.Count; i++)
        {
            slices[i].AsSpan().CopyTo(batch.AsSpan(i * pixels, pixels));
        }

        DetectionResult result;
        using (NewDisposeScope())
        {
            using var input = tensor(batch, [slices.Count, 1, height, width]);
            result = detector.Detect(input, options);
        }

        var outputs = new SliceOutput[slices.Count];
        for (var i = 0; i < slices.Count; i++)
        {
            outputs[i] = new SliceOutput(result.Reconstruction(i).ToArray(), result.Map(i).ToArray(), result.Mask(i), result.Scores[i], result.StagesRun[i], result.NormativeFallback[i]);
        }

        return outputs;
    }

    public void Dispose() => model.Dispose();

    private InferenceProfile Profile(string name)
    {
        var key = string.IsNullOrEmpty(name) || (name == DefaultProfileName && !card.InferenceProfiles.ContainsKey(name)) ? null : name;
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
