using Synomaly.Diffusion.Maps;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Weights;
using Synomaly.Testing;
using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests.DevicePlacement;

/// <summary>Models and slices for the device-placement tests, all made on the CPU before any trap is set.</summary>
internal static class DevicePlacementInputs
{
    /// <summary>
    /// The published architecture (ALGORITHM.md 1.1: two ResBlocks per level, attention at downsample factors 8, 16 and 32,
    /// 64 channels per head) narrowed to 32 channels and 32 px for the CPU: still several heads and every kind of block.
    /// </summary>
    public static UNetConfig PublishedNarrow { get; } = UNetConfig.Published with { ImageSize = 32, ModelChannels = 32, NumHeadChannels = 32 };

    /// <summary>One ResBlock per level, two levels, attention at the lower one: cheap enough for float16 on the CPU.</summary>
    public static UNetConfig Tiny { get; } = new()
    {
        ImageSize = 16,
        ModelChannels = 32,
        ChannelMult = "1,2",
        NumResBlocks = 1,
        AttentionResolutions = "2",
        NumHeadChannels = 32,
    };

    public static string DemoModelDirectory => Path.Combine(TestPaths.RepositoryRoot, "models", "brain-mri-demo");

    /// <summary>
    /// A UNet whose every parameter is seeded noise: construction zeroes the output convolutions, which would make every
    /// ε zero and hide the arithmetic behind them.
    /// </summary>
    public static UNet RandomUNet(UNetConfig config, long seed)
    {
        var model = new UNet(config);
        using var noGrad = no_grad();
        using var generator = new Generator((ulong)seed);
        foreach (var parameter in model.parameters())
        {
            using var values = randn(parameter.shape, generator: generator);
            parameter.copy_(values.mul_(0.2));
        }

        return model;
    }

    /// <summary>
    /// Slices [count,1,size,size] in [−1, 1]: a head disk of smooth seeded texture on a −1 background, so that the head
    /// gate, the blur, the threshold and the components all have something to work on.
    /// </summary>
    public static Tensor Slices(int count, int size, long seed)
    {
        using var scope = NewDisposeScope();
        using var generator = new Generator((ulong)seed);
        var texture = randn([count, 1, size, size], generator: generator);
        var smooth = OpenCvGaussianBlur.Apply(texture, 5).mul(3).tanh().mul(0.6);
        var grid = linspace(-1, 1, size);
        var outside = (grid.view(1, 1, size, 1).square() + grid.view(1, 1, 1, size).square()).gt(0.7);
        return smooth.masked_fill(outside, -1).MoveToOuterDisposeScope();
    }
}
