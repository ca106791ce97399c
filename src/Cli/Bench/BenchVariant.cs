using Synomaly.Diffusion.Model;
using static TorchSharp.torch;

namespace Synomaly.Cli.Bench;

/// <summary>One way of running the UNet: compute precision, attention kernel and memory layout.</summary>
public sealed record BenchVariant(ScalarType Precision, AttentionKernel Attention, bool ChannelsLast)
{
    /// <summary>The engine's default and the parity reference: float32, explicit attention, contiguous layout.</summary>
    public static BenchVariant Reference { get; } = new(ScalarType.Float32, AttentionKernel.Explicit, false);

    public string PrecisionName => PrecisionNames.Of(Precision);

    public string AttentionName => Attention == AttentionKernel.ScaledDotProduct ? "sdpa" : "explicit";

    public string LayoutName => ChannelsLast ? "channels-last" : "contiguous";

    public string Label => $"{PrecisionName} / {AttentionName} / {LayoutName}";
}
