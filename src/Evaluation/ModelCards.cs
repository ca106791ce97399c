using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Training;
using Synomaly.Diffusion.Weights;

namespace Synomaly.Evaluation;

/// <summary>Model cards for models this project trains.</summary>
public static class ModelCards
{
    /// <summary>
    /// A card for a freshly trained model. Its "brain-mri" profile starts at the middle of the reference grid (adaptive,
    /// t 250, k 5, θ 0.2) with the minimum component size scaled from the reference's 30 pixels at 128 to the model size;
    /// `synomaly tune` replaces it with the tuned setting.
    /// </summary>
    public static ModelCard ForTraining(string name, string version, UNetConfig architecture, TrainingOptions options, string data, string licence, double finalLoss)
    {
        int minComponent = Math.Max(1, (int)Math.Round(30.0 * architecture.ImageSize * architecture.ImageSize / (128.0 * 128.0)));
        return new ModelCard
        {
            Name = name,
            Version = version,
            Description = "Synomaly diffusion model trained by synomaly train.",
            Architecture = architecture,
            InferenceProfiles = new Dictionary<string, InferenceProfile>
            {
                ["brain-mri"] = new() { Timesteps = [250], BlurKernel = 5, Threshold = 0.2, MinComponentSize = minComponent },
            },
            DefaultProfile = "brain-mri",
            Preprocessing = new Preprocessing { ImageSize = architecture.ImageSize },
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
                    options.MaxTimestep,
                    options.Seed,
                }))!.AsObject(),
            },
        };
    }
}
