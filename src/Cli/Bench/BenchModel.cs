using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Schedules;
using Synomaly.Diffusion.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Cli.Bench;

/// <summary>
/// The network a bench run measures and how to make identical copies of it on a device in any <see cref="BenchVariant"/>
/// (a fresh float32 copy per variant, so reduced precision never leaks into the reference), with the inference profile
/// its slices run through.
/// </summary>
public sealed class BenchModel
{
    private readonly Func<UNet> _createFloat32OnCpu;

    private BenchModel(string description, UNetConfig config, BetaSchedule schedule, int timesteps, InferenceOptions profile, Func<UNet> createFloat32OnCpu)
    {
        Description = description;
        Config = config;
        Schedule = schedule;
        Timesteps = timesteps;
        Profile = profile;
        _createFloat32OnCpu = createFloat32OnCpu;
    }

    public string Description { get; }

    public UNetConfig Config { get; }

    public BetaSchedule Schedule { get; }

    public int Timesteps { get; }

    public int ImageSize => Config.ImageSize;

    /// <summary>The adaptive profile (t, blur kernel, threshold, minimum component, δ, stage cap) every end-to-end run uses.</summary>
    public InferenceOptions Profile { get; }

    /// <summary>A published-layout configuration with seeded random weights; the inference profile is the import default scaled to the image size.</summary>
    public static BenchModel Random(BenchModelKind kind, long seed)
    {
        var (config, description, blurKernel, threshold, minComponent) = kind switch
        {
            BenchModelKind.Full => (UNetConfig.Published, "full: the published configuration (128 px, 128 channels, 1,1,2,3,4, 2 res blocks, attention 32,16,8, 64 channels per head), seeded random weights", 15, 0.3, 30),
            BenchModelKind.Small => (Small, "small: 64 px, 32 channels, 1,2,2,2, 2 res blocks, attention at 16x16 and 8x8, 32 channels per head, seeded random weights", 7, 0.2, 8),
            BenchModelKind.Smoke => (Smoke, "smoke: 32 px, 32 channels, 1,2, 1 res block, attention at 16x16, seeded random weights", 5, 0.2, 4),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Only full, small and smoke have random weights."),
        };
        var profile = InferenceOptions.Adaptive(250, blurKernel, threshold) with { MinComponentSize = minComponent };
        return new BenchModel(description, config, BetaSchedule.Cosine, 1000, profile, () =>
        {
            var model = new UNet(config);
            SeededWeights.Fill(model, seed);
            return model;
        });
    }

    /// <summary>A model package (model card and weights) with its card's default inference profile.</summary>
    public static BenchModel Package(string directory)
    {
        var card = ModelPackage.LoadCard(directory);
        var profile = card.Profile(null).ToOptions();
        return new BenchModel($"demo: model package {card.Name} {card.Version} ({card.Architecture.ImageSize} px, {card.Architecture.ModelChannels} channels)",
            card.Architecture, card.Schedule, card.Timesteps, profile, () => ModelPackage.Load(directory, CPU).Model);
    }

    /// <summary>The small configuration: the published layout's features at a size a CPU measures in minutes.</summary>
    public static UNetConfig Small { get; } = new()
    {
        ImageSize = 64,
        ModelChannels = 32,
        ChannelMult = "1,2,2,2",
        NumResBlocks = 2,
        AttentionResolutions = "4,8",
        NumHeadChannels = 32,
    };

    /// <summary>The smoke configuration: tiny, for CI.</summary>
    public static UNetConfig Smoke { get; } = new()
    {
        ImageSize = 32,
        ModelChannels = 32,
        ChannelMult = "1,2",
        NumResBlocks = 1,
        AttentionResolutions = "2",
        NumHeadChannels = 32,
    };

    public long ParameterCount()
    {
        using var model = new UNet(Config);
        return model.parameters().Sum(p => p.numel());
    }

    /// <summary>A fresh copy of the network on <paramref name="device"/>, in evaluation mode, run as <paramref name="variant"/> says.</summary>
    public UNet Create(Device device, BenchVariant variant)
    {
        ArgumentNullException.ThrowIfNull(variant);
        var model = _createFloat32OnCpu();
        try
        {
            model.to(device);
            model.UsePrecision(variant.Precision);
            model.AttentionKernel = variant.Attention;
            model.UseChannelsLast(variant.ChannelsLast);
            model.eval();
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
