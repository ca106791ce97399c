using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Weights;

namespace Synomaly.Cli.Tests;

/// <summary>A random-weight 32-pixel model package: the pipeline tests exercise the system, not the heatmaps' quality.</summary>
internal static class TinyModelPackage
{
    /// <param name="modality">The modality the card records (liver-ct, carotid-us), which names its one profile; null: none, profile "brain-mri".</param>
    public static string Save(string directory, string name, string? modality = null)
    {
        using var model = new UNet(new UNetConfig { ImageSize = 32, ModelChannels = 32, ChannelMult = "1,2", NumResBlocks = 1, AttentionResolutions = "16", NumHeadChannels = 32 });
        ModelPackage.Save(directory, model, new ModelCard
        {
            Name = name,
            Version = name + "-1",
            Architecture = model.Config,
            InferenceProfiles = new Dictionary<string, InferenceProfile> { [modality ?? "brain-mri"] = new() { Mode = InferenceMode.Adaptive, Timesteps = [100], BlurKernel = 3, Threshold = 0.2, MaxStages = 2, MinComponentSize = 2 } },
            DefaultProfile = modality ?? "brain-mri",
            Preprocessing = new Preprocessing { ImageSize = 32, Modality = modality },
        });
        return directory;
    }
}
