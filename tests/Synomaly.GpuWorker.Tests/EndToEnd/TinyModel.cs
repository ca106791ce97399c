using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Weights;
using TorchSharp;

namespace Synomaly.GpuWorker.Tests.EndToEnd;

/// <summary>
/// A random-weight UNet small enough for CPU tests (32x32 slices), saved once per test run as a real model package
/// (safetensors + model card) through ModelPackage, exactly as a trained model would be.
/// </summary>
internal static class TinyModel
{
    public const string Name = "tiny-test";
    public const string Version = "0.0.1-test";
    public const int ImageSize = 32;

    private static readonly Lazy<string> Package = new(Save, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string Directory => Package.Value;

    private static string Save()
    {
        var config = new UNetConfig
        {
            ImageSize = ImageSize,
            ModelChannels = 32,
            NumResBlocks = 1,
            AttentionResolutions = "4",
            ChannelMult = "1,2",
            NumHeads = 1,
        };
        var card = new ModelCard
        {
            Name = Name,
            Version = Version,
            Architecture = config,
            InferenceProfiles = new Dictionary<string, InferenceProfile>
            {
                ["default"] = new() { Mode = InferenceMode.Adaptive, Timesteps = [100], BlurKernel = 3, Threshold = 0.2, MaxStages = 3 },
            },
            DefaultProfile = "default",
            Preprocessing = new Preprocessing { ImageSize = ImageSize },
        };
        var directory = Path.Combine(Path.GetTempPath(), "synomaly-worker-tests", "model-" + Guid.NewGuid().ToString("N"));
        torch.manual_seed(7);
        using var model = new UNet(config);
        ModelPackage.Save(directory, model, card);
        return directory;
    }
}
