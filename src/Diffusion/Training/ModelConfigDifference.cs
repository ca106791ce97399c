using System.Globalization;
using Synomaly.Diffusion.Model;

namespace Synomaly.Diffusion.Training;

/// <summary>
/// The first architecture argument in which a checkpoint's model and the one a run asks for differ, named as
/// <c>synomaly train</c> names it. Weights load into any model whose tensors have the same shapes, so a run at another
/// image size (or with attention at other levels of the same widths) would resume silently and train another network.
/// Values are compared as the network uses them: an empty channel-mult is the size's default list, and attention factors
/// are a set.
/// </summary>
/// <param name="Argument">What differs, in words ("image size").</param>
/// <param name="Option">The train option that sets it, or null where train has none.</param>
public sealed record ModelConfigDifference(string Argument, string? Option, string Recorded, string Requested)
{
    /// <summary>The first difference between the two configurations, or null when they build the same network.</summary>
    public static ModelConfigDifference? Between(UNetConfig recorded, UNetConfig requested)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        ArgumentNullException.ThrowIfNull(requested);
        (string Argument, string? Option, Func<UNetConfig, string> Value)[] arguments =
        [
            ("image size", "--size", c => Invariant(c.ImageSize)),
            ("model channels", "--model-channels", c => Invariant(c.ModelChannels)),
            ("channel multipliers", "--channel-mult", c => string.Join(',', c.ResolveChannelMult().Select(Invariant))),
            ("residual blocks per level", "--res-blocks", c => Invariant(c.NumResBlocks)),
            ("attention factors", "--attention", c => string.Join(',', c.AttentionDownsampleFactors().Order().Select(Invariant))),
            ("channels per attention head", "--head-channels", c => Invariant(c.NumHeadChannels)),
            ("attention heads", null, c => Invariant(c.NumHeads)),
            ("input channels", null, c => Invariant(c.InChannels)),
            ("output channels", null, c => Invariant(c.OutChannels)),
            ("dropout", null, c => Invariant(c.Dropout)),
        ];
        foreach (var (argument, option, value) in arguments)
        {
            string before = value(recorded), now = value(requested);
            if (before != now)
            {
                return new ModelConfigDifference(argument, option, before, now);
            }
        }

        return null;
    }

    private static string Invariant(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
