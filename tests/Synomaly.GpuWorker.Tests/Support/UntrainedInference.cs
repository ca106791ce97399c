using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Schedules;
using Synomaly.Diffusion.Weights;
using Synomaly.GpuWorker.Inference;

namespace Synomaly.GpuWorker.Tests.Support;

/// <summary>The real engine with an untrained 32-pixel UNet and a card made for the test (modality, profiles, slice orientation).</summary>
internal static class UntrainedInference
{
    public const int Size = 32;

    public static DiffusionSliceInference Create(
        string? modality, IReadOnlyDictionary<string, InferenceProfile>? profiles = null, string? sliceOrientation = Preprocessing.DisplayOrientation, string? defaultProfile = null)
    {
        var config = new UNetConfig { ImageSize = Size, ModelChannels = 32, NumResBlocks = 1, AttentionResolutions = "4", ChannelMult = "1,2" };
        var card = new ModelCard
        {
            Name = "m",
            Version = "1",
            Architecture = config,
            Preprocessing = new Preprocessing { ImageSize = Size, Modality = modality, SliceOrientation = sliceOrientation },
            InferenceProfiles = profiles ?? new Dictionary<string, InferenceProfile>(),
            DefaultProfile = defaultProfile,
        };
        var unet = new UNet(config);
        try
        {
            return new DiffusionSliceInference(unet, new GaussianDiffusion(BetaSchedule.Cosine), card);
        }
        catch
        {
            unet.Dispose();
            throw;
        }
    }
}
