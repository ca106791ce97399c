using System.Globalization;

namespace Synomaly.Diffusion.Model;

/// <summary>
/// The architecture arguments of the reference <c>UNetModel</c> (the ones the authors' JSON sets), with the reference's
/// defaults and string formats: <see cref="ChannelMult"/> "" means "by image size", <see cref="AttentionResolutions"/> lists
/// downsample factors (not resolutions), and <see cref="NumHeadChannels"/> other than −1 overrides <see cref="NumHeads"/>.
/// Everything the authors leave at its default is fixed in the port: no scale-shift norm, ResBlock up/down sampling,
/// legacy attention order, 2-D, no class labels.
/// </summary>
public sealed record UNetConfig
{
    public int ImageSize { get; init; } = 128;

    public int InChannels { get; init; } = 1;

    public int ModelChannels { get; init; } = 64;

    public int OutChannels { get; init; } = 1;

    public int NumResBlocks { get; init; } = 2;

    public string AttentionResolutions { get; init; } = "32,16,8";

    public double Dropout { get; init; }

    public string ChannelMult { get; init; } = "";

    public int NumHeads { get; init; } = 1;

    public int NumHeadChannels { get; init; } = -1;

    /// <summary>The configuration of every published Synomaly model (json_args/*.json; ALGORITHM.md section 1.1).</summary>
    public static UNetConfig Published { get; } = new()
    {
        ImageSize = 128,
        InChannels = 1,
        ModelChannels = 128,
        OutChannels = 1,
        NumResBlocks = 2,
        AttentionResolutions = "32,16,8",
        Dropout = 0.0,
        ChannelMult = "",
        NumHeads = 2,
        NumHeadChannels = 64,
    };

    /// <summary>Channel multipliers per level; "" takes the reference's table for the image size.</summary>
    public IReadOnlyList<double> ResolveChannelMult()
    {
        if (string.IsNullOrWhiteSpace(ChannelMult))
        {
            return ImageSize switch
            {
                512 => [0.5, 1, 1, 2, 2, 4, 4],
                256 => [1, 1, 2, 2, 4, 4],
                128 => [1, 1, 2, 3, 4],
                64 or 32 => [1, 2, 3, 4],
                _ => throw new InvalidModelConfigException($"channel_mult is empty and image size {ImageSize} has no default; give channel_mult explicitly.", nameof(ImageSize)),
            };
        }

        // The reference parses with int(); a fractional multiplier is only reachable through the table above.
        return ParseInts(ChannelMult, "channel_mult", nameof(ChannelMult)).Select(v => (double)v).ToArray();
    }

    /// <summary>
    /// What the image size must be a multiple of: 2^(levels − 1), levels being the channel multipliers' count, since every
    /// level but the last halves the image and the decoder concatenates each half with its encoder twin.
    /// </summary>
    public int ImageSizeMultiple() => 1 << (ResolveChannelMult().Count - 1);

    /// <summary>The downsample factors (1, 2, 4, …) at which attention blocks are placed.</summary>
    public IReadOnlySet<int> AttentionDownsampleFactors() => ParseInts(AttentionResolutions, "attention_resolutions", nameof(AttentionResolutions)).ToHashSet();

    /// <summary>Heads of an attention block with <paramref name="channels"/> channels, as <c>AttentionBlock.__init__</c> decides.</summary>
    public int HeadsFor(int channels)
    {
        if (NumHeadChannels == -1)
        {
            return NumHeads;
        }

        if (NumHeadChannels <= 0 || channels % NumHeadChannels != 0)
        {
            throw new InvalidModelConfigException($"q,k,v channels {channels} are not divisible by num_head_channels {NumHeadChannels}.", nameof(NumHeadChannels));
        }

        return channels / NumHeadChannels;
    }

    /// <summary>Checks every value before a module is built, so that errors name the argument (<see cref="InvalidModelConfigException.Argument"/>).</summary>
    public void Validate()
    {
        RequirePositive(ImageSize, "image_size", nameof(ImageSize));
        RequirePositive(InChannels, "in_channels", nameof(InChannels));
        RequirePositive(ModelChannels, "model_channels", nameof(ModelChannels));
        RequirePositive(OutChannels, "out_channels", nameof(OutChannels));
        RequirePositive(NumResBlocks, "num_res_blocks", nameof(NumResBlocks));
        if (Dropout is < 0 or >= 1 || double.IsNaN(Dropout))
        {
            throw new InvalidModelConfigException($"dropout must be in [0, 1), got {Dropout}.", nameof(Dropout));
        }

        if (NumHeadChannels == -1 && NumHeads <= 0)
        {
            throw new InvalidModelConfigException($"num_heads must be positive, got {NumHeads}.", nameof(NumHeads));
        }

        int multiple = ImageSizeMultiple();
        if (ImageSize % multiple != 0)
        {
            throw new InvalidModelConfigException(
                $"image_size {ImageSize} must be a multiple of {multiple}: each of the network's {ResolveChannelMult().Count} levels but the last halves the image, and the decoder's skip connections need every half exact.",
                nameof(ImageSize));
        }

        foreach (double mult in ResolveChannelMult())
        {
            int channels = (int)(mult * ModelChannels);
            if (channels <= 0 || channels % GroupNorm32.Groups != 0)
            {
                throw new InvalidModelConfigException(
                    $"channel_mult {mult} × model_channels {ModelChannels} = {channels} channels; GroupNorm needs a positive multiple of {GroupNorm32.Groups}.", nameof(ModelChannels));
            }
        }

        // Each attention block splits its channels into heads (HeadsFor): checked here rather than first when the UNet
        // builds the block, where a training run has already read its data.
        foreach (int channels in AttentionChannels())
        {
            int heads = HeadsFor(channels);
            if (channels % heads != 0)
            {
                throw new InvalidModelConfigException($"{channels} attention channels cannot be split into num_heads {heads}.", nameof(NumHeads));
            }
        }
    }

    /// <summary>
    /// The channel counts of the attention blocks <see cref="UNet"/> builds: one per level whose downsample factor (2^level)
    /// is listed in <see cref="AttentionResolutions"/>, in the encoder and the decoder alike, and the middle block's, which
    /// always has one.
    /// </summary>
    public IEnumerable<int> AttentionChannels()
    {
        var mult = ResolveChannelMult();
        var factors = AttentionDownsampleFactors();
        for (int level = 0; level < mult.Count; level++)
        {
            if (factors.Contains(1 << level))
            {
                yield return (int)(mult[level] * ModelChannels);
            }
        }

        yield return (int)(mult[^1] * ModelChannels);
    }

    private static void RequirePositive(int value, string name, string argument)
    {
        if (value <= 0)
        {
            throw new InvalidModelConfigException(string.Create(CultureInfo.InvariantCulture, $"{name} must be positive, got {value}."), argument);
        }
    }

    private static int[] ParseInts(string text, string name, string argument)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var values = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out values[i]) || values[i] <= 0)
            {
                throw new InvalidModelConfigException($"{name} '{text}' must be a comma-separated list of positive integers.", argument);
            }
        }

        return values;
    }
}
