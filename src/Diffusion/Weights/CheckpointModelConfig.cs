using System.Globalization;
using Synomaly.Diffusion.Model;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Weights;

/// <summary>
/// Builds the <see cref="UNetConfig"/> of a checkpoint from its <c>args</c>, as the authors' scripts do, and infers from the
/// weights whatever the args leave out (a bare state_dict has no args at all). Heads cannot be read from the weights: without
/// args they take the reference defaults. Values given by the args win; the strict load then reports any contradiction.
/// </summary>
public static class CheckpointModelConfig
{
    public static UNetConfig FromCheckpoint(TorchCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var args = checkpoint.Args;
        var shapes = checkpoint.ModelStateDict.ToDictionary(kv => kv.Key, kv => kv.Value.shape, StringComparer.Ordinal);
        var inferred = Infer(shapes);
        var defaults = new UNetConfig();
        return new UNetConfig
        {
            ImageSize = Int(args, "img_size") ?? defaults.ImageSize,
            InChannels = Int(args, "in_channels") ?? inferred.InChannels,
            ModelChannels = Int(args, "model_channels") ?? inferred.ModelChannels,
            OutChannels = inferred.OutChannels, // the scripts never pass it; the default 1 is what the weights show
            NumResBlocks = Int(args, "num_res_blocks") ?? inferred.NumResBlocks,
            AttentionResolutions = Text(args, "attention_resolutions") ?? inferred.AttentionResolutions,
            Dropout = Double(args, "dropout") ?? 0.0,
            ChannelMult = Text(args, "channel_mult") is { } mult && (mult.Length > 0 || Int(args, "img_size") is not null) ? mult : inferred.ChannelMult,
            NumHeads = Int(args, "num_heads") ?? defaults.NumHeads,
            NumHeadChannels = Int(args, "num_head_channels") ?? defaults.NumHeadChannels,
        };
    }

    /// <summary>The structure the weights alone show: channels, levels, res blocks per level, attention placement.</summary>
    public static UNetConfig Infer(IReadOnlyDictionary<string, long[]> shapes)
    {
        ArgumentNullException.ThrowIfNull(shapes);
        long[] Shape(string key) => shapes.TryGetValue(key, out var s) ? s : throw new CheckpointFormatException($"Missing key '{key}': the weights are not a Synomaly UNet.");
        int modelChannels = (int)Shape("time_embed.0.weight")[1];
        int inChannels = (int)Shape("input_blocks.0.0.weight")[1];
        int outChannels = (int)Shape("out.2.weight")[0];

        int outputBlocks = 0;
        while (shapes.ContainsKey($"output_blocks.{outputBlocks}.0.in_layers.2.weight"))
        {
            outputBlocks++;
        }

        // The first output block that ends with an up-sampling ResBlock closes the deepest level: num_res_blocks + 1 blocks.
        int? firstUp = Enumerable.Range(0, outputBlocks).Cast<int?>().FirstOrDefault(j => HasUpBlock(shapes, j.GetValueOrDefault()));
        int blocksPerLevel = firstUp is null ? outputBlocks : firstUp.Value + 1;
        if (outputBlocks == 0 || outputBlocks % blocksPerLevel != 0 || blocksPerLevel < 2)
        {
            throw new CheckpointFormatException($"The output blocks ({outputBlocks}) do not form whole UNet levels.");
        }

        int levels = outputBlocks / blocksPerLevel;
        var mults = new string[levels];
        var attention = new SortedSet<int>();
        for (int level = 0; level < levels; level++)
        {
            int block = (levels - 1 - level) * blocksPerLevel; // output blocks run from the deepest level up
            long channels = Shape($"output_blocks.{block}.0.in_layers.2.weight")[0];
            if (channels % modelChannels != 0)
            {
                throw new CheckpointFormatException($"Level {level} has {channels} channels, not a multiple of model_channels {modelChannels}.");
            }

            mults[level] = (channels / modelChannels).ToString(CultureInfo.InvariantCulture);
            if (shapes.ContainsKey($"output_blocks.{block}.1.qkv.weight"))
            {
                attention.Add(1 << level);
            }
        }

        return new UNetConfig
        {
            InChannels = inChannels,
            ModelChannels = modelChannels,
            OutChannels = outChannels,
            NumResBlocks = blocksPerLevel - 1,
            ChannelMult = string.Join(",", mults),
            // A factor that never occurs keeps the string non-empty when no level has attention.
            AttentionResolutions = attention.Count > 0 ? string.Join(",", attention) : (1 << levels).ToString(CultureInfo.InvariantCulture),
        };
    }

    private static bool HasUpBlock(IReadOnlyDictionary<string, long[]> shapes, int block) =>
        shapes.ContainsKey($"output_blocks.{block}.1.in_layers.2.weight") || shapes.ContainsKey($"output_blocks.{block}.2.in_layers.2.weight");

    private static object? Value(IReadOnlyDictionary<string, object?> args, string key) =>
        args.TryGetValue(key, out var value) && value is not (null or "") ? value : null;

    private static int? Int(IReadOnlyDictionary<string, object?> args, string key) => Value(args, key) switch
    {
        null => null,
        int i => i,
        long l => checked((int)l),
        string s when int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int parsed) => parsed,
        var other => throw new CheckpointFormatException($"args['{key}'] = {other} is not an integer."),
    };

    private static double? Double(IReadOnlyDictionary<string, object?> args, string key) => Value(args, key) switch
    {
        null => null,
        double d => d,
        int i => i,
        long l => l,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) => parsed,
        var other => throw new CheckpointFormatException($"args['{key}'] = {other} is not a number."),
    };

    private static string? Text(IReadOnlyDictionary<string, object?> args, string key) =>
        args.TryGetValue(key, out var value) && value is not null ? Convert.ToString(value, CultureInfo.InvariantCulture) : null;
}
