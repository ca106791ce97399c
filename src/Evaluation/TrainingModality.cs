using Synomaly.Contracts;
using Synomaly.Diffusion.Maps;
using Synomaly.Diffusion.Noise;
using Synomaly.Diffusion.Training;
using Synomaly.Diffusion.Weights;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Evaluation;

/// <summary>
/// What <c>synomaly train --modality</c> selects: the preset that prepares the training images (the same one inference
/// uses, recorded in the model card so that the pipeline picks it again), the Synomaly noise the authors released for the
/// modality (ALGORITHM.md 3.5), their augmentation, learning rate and batch size (4.5: flips, none for LiTS; lr 1e-5 and batch
/// 8, 1e-4 and 12 for LiTS) and the card's starting inference profile.
/// </summary>
public sealed record TrainingModality
{
    public static TrainingModality BrainMri { get; } = new(ModalityHint.BrainMri, SynomalyNoiseOptions.Brats, randomFlips: true, learningRate: 1e-5, batchSize: 8);

    public static TrainingModality LiverCt { get; } = new(ModalityHint.LiverCt, SynomalyNoiseOptions.Lits, randomFlips: false, learningRate: 1e-4, batchSize: 12);

    public static TrainingModality CarotidUltrasound { get; } =
        new(ModalityHint.CarotidUltrasound, SynomalyNoiseOptions.Ultrasound, randomFlips: true, learningRate: 1e-5, batchSize: 8);

    private TrainingModality(ModalityHint hint, SynomalyNoiseOptions noise, bool randomFlips, double learningRate, int batchSize)
    {
        Hint = hint;
        Noise = noise;
        RandomFlips = randomFlips;
        LearningRate = learningRate;
        BatchSize = batchSize;
    }

    public ModalityHint Hint { get; }

    /// <summary>brain-mri, liver-ct or carotid-us.</summary>
    public string Name => ModalityNames.Of(Hint);

    public SynomalyNoiseOptions Noise { get; }

    public bool RandomFlips { get; }

    /// <summary>The authors' constant AdamW learning rate for this modality.</summary>
    public double LearningRate { get; }

    /// <summary>The authors' batch size for this modality.</summary>
    public int BatchSize { get; }

    /// <summary>The modality called <paramref name="name"/>; an unknown name is an <see cref="ArgumentException"/> listing the choices.</summary>
    public static TrainingModality Parse(string? name) =>
        (ModalityNames.TryParse(name, out var hint) ? hint : ModalityHint.Auto) switch
        {
            ModalityHint.BrainMri => BrainMri,
            ModalityHint.LiverCt => LiverCt,
            ModalityHint.CarotidUltrasound => CarotidUltrasound,
            _ => throw new ArgumentException($"Unknown modality '{name}' (choose {string.Join(", ", ModalityNames.All)}).", nameof(name)),
        };

    /// <summary>The preset that prepares this modality's scans at the model size.</summary>
    public IModalityPreset Preset(int modelSize) => ModalityPresets.For(Hint, Modality.Unknown, modelSize);

    /// <summary>
    /// The options with this modality's noise, augmentation, learning rate and batch size (a resume's checkpoint and explicit
    /// command-line choices are applied after), naming the modality as the data preparation so that a checkpoint refuses to
    /// resume under another one.
    /// </summary>
    public TrainingOptions Apply(TrainingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options with { Noise = Noise, RandomFlips = RandomFlips, LearningRate = LearningRate, BatchSize = BatchSize, DataPreparation = Name };
    }

    /// <summary>The card's record of how inputs were prepared, naming the modality so that inference uses the same preset.</summary>
    public Preprocessing Preprocessing(int imageSize) => new()
    {
        ImageSize = imageSize,
        Modality = Name,
        SliceOrientation = Synomaly.Diffusion.Weights.Preprocessing.DisplayOrientation,
        Window = Preset(imageSize) is CtPreset ct ? FormattableString.Invariant($"{ct.WindowLowHu} to {ct.WindowHighHu} HU") : null,
    };

    /// <summary>
    /// The profile a fresh model starts with until <c>synomaly tune</c> replaces it: for ultrasound the authors' released
    /// setting (adaptive, t 250, k 15, θ 0.3); otherwise the middle of the reference grid (adaptive, t 250, k 5, θ 0.2).
    /// The minimum component size is the reference's 30 pixels at 128 px, scaled to the model size.
    /// </summary>
    public InferenceProfile StartingProfile(int imageSize)
    {
        int minComponent = AnomalyMapOptions.DefaultMinComponentSizeFor(imageSize);
        var profile = Hint == ModalityHint.CarotidUltrasound
            ? InferenceProfile.ReleasedUltrasound
            : new InferenceProfile { Timesteps = [250], BlurKernel = 5, Threshold = 0.2 };
        return profile with { MinComponentSize = minComponent };
    }
}
