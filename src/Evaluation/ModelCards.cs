using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Training;
using Synomaly.Diffusion.Weights;

namespace Synomaly.Evaluation;

/// <summary>Model cards for models this project trains.</summary>
public static class ModelCards
{
    /// <summary>
    /// A card for a freshly trained model: its default profile is named after the modality (brain-mri, liver-ct or
    /// carotid-us) and holds <see cref="TrainingModality.StartingProfile"/> until `synomaly tune` replaces it; its
    /// preprocessing names the modality, so the pipeline prepares inputs with the preset the training used.
    /// <paramref name="initialisedFrom"/> is the model a warm-started run began from (null: random initialisation), recorded
    /// with its own training arguments so that the lineage of a fine-tuned model is complete; <paramref name="phases"/> are
    /// the settings each stretch of the run trained with (a run resumed at another learning rate has two).
    /// </summary>
    public static ModelCard ForTraining(
        string name, string version, UNetConfig architecture, TrainingModality modality, TrainingOptions options, string data, string licence, double finalLoss,
        ParentModel? initialisedFrom = null, IReadOnlyList<TrainingPhase>? phases = null)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        ArgumentNullException.ThrowIfNull(modality);
        ArgumentNullException.ThrowIfNull(options);
        return new ModelCard
        {
            Name = name,
            Version = version,
            Description = "Synomaly diffusion model trained by synomaly train.",
            Architecture = architecture,
            InferenceProfiles = new Dictionary<string, InferenceProfile>
            {
                [modality.Name] = modality.StartingProfile(architecture.ImageSize),
            },
            DefaultProfile = modality.Name,
            Preprocessing = modality.Preprocessing(architecture.ImageSize),
            TrainingData = new TrainingData(data, licence),
            Provenance = new Provenance
            {
                Source = "training",
                Loss = finalLoss,
                CreatedUtc = DateTimeOffset.UtcNow,
                Tool = "synomaly train",
                TrainingArgs = System.Text.Json.Nodes.JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(new
                {
                    options.Steps,
                    options.BatchSize,
                    options.LearningRate,
                    options.WeightDecay,
                    options.GradientClipNorm,
                    options.EmaDecay,
                    Loss = options.Loss.ToString(),
                    options.Noise.Sigma,
                    options.Noise.Threshold,
                    options.Noise.Offset,
                    options.Noise.Directions,
                    options.RandomFlips,
                    RegionMask = options.RegionMask.Name(),
                    options.MaxTimestep,
                    options.Seed,
                    Modality = modality.Name,
                    Precision = options.Precision.Name(),
                    // How batches were drawn (a checkpoint refuses a resume that changes it, so one value holds for the run).
                    Sampling = options.Sampling.Name(),
                    InitialisedFrom = initialisedFrom,
                    Phases = phases ?? [],
                }))!.AsObject(),
            },
        };
    }
}
