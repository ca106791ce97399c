using Synomaly.Contracts;
using Synomaly.Imaging.Presets;

namespace Synomaly.GpuWorker.Inference;

/// <summary>
/// The loaded model: runs one batch of model-size slices (values in [-1, 1]) and returns one output per slice, in order.
/// Calls come from the batcher's single loop, one at a time; implementations keep tensors inside dispose scopes.
/// </summary>
public interface ISliceInference
{
    /// <summary>The name of the model this process serves (its card's name), which a job's ModelName must match.</summary>
    string ModelName { get; }

    /// <summary>The model version this process serves (a segment of every results folder, BlobLayout.ResultsPrefix).</summary>
    string ModelVersion { get; }

    /// <summary>The slice size the model takes (height, width).</summary>
    (int Height, int Width) SliceSize { get; }

    /// <summary>The modality the model card says the model was trained for (its preset prepares the slices); Auto when it records none.</summary>
    ModalityHint TrainedFor { get; }

    /// <summary>The slice layout the model card records (preprocessing.slice_orientation); display when it records none.</summary>
    SliceOrientation Orientation { get; }

    /// <summary>
    /// The name of the card's profile that runs for a job asking for <paramref name="inferenceProfile"/>: the card's default
    /// profile for the alias Contracts.InferenceProfileNames.Default (unless the card has a profile of that name), else the
    /// name itself. Throws Processing.JobRejectedException when the model has no such profile.
    /// </summary>
    string ResolveProfile(string inferenceProfile);

    /// <summary>
    /// Images one slice of this profile sends through the network per stage: its noise draws (1 for the reference). The
    /// batcher fills a call by images, so tuning a profile to more draws does not multiply a call's device memory.
    /// </summary>
    int ImagesPerSlice(string inferenceProfile);

    /// <summary>Runs one batch; every slice has <see cref="SliceSize"/> pixels and the same inference profile.</summary>
    /// <param name="cancellationToken">
    /// Checked before every stage of the engine: once cancelled, the call ends with <see cref="OperationCanceledException"/>
    /// after the stage under way, leaving no tensor behind.
    /// </param>
    IReadOnlyList<SliceOutput> Run(IReadOnlyList<float[]> slices, string inferenceProfile, CancellationToken cancellationToken);
}
