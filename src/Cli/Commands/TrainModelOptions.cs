using System.Globalization;
using Synomaly.Diffusion.Model;

namespace Synomaly.Cli.Commands;

/// <summary>
/// train's model options (--size, --model-channels, --channel-mult, --res-blocks, --attention, --head-channels), checked
/// before any data is read or anything written. Each refusal is a usage error (exit 2) that names the option as typed: the
/// network itself refuses a bad value only once it is built, after the data is read, with exit 1.
/// </summary>
public static class TrainModelOptions
{
    private const string Verb = "train";

    /// <summary>Refuses a configuration no network can be built from, by the network's own rules (<see cref="UNetConfig.Validate"/>).</summary>
    public static void Check(UNetConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        CheckSize(config);
        try
        {
            config.Validate();
        }
        catch (InvalidModelConfigException e)
        {
            throw new UsageException(Named(OptionNames.For(Verb, e.Argument), e.Message), e);
        }
    }

    /// <summary>--size must be positive and halve evenly through every level of the network (its --channel-mult): said in train's words.</summary>
    private static void CheckSize(UNetConfig config)
    {
        if (config.ImageSize < 1)
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--size must be a positive number of pixels, got {config.ImageSize}."));
        }

        int levels;
        try
        {
            levels = config.ResolveChannelMult().Count;
        }
        catch (InvalidModelConfigException e) when (e.Argument == nameof(UNetConfig.ImageSize))
        {
            // Only a size without a default list ends here; a --channel-mult that is no list is the network check's to name.
            throw new UsageException($"--size {config.ImageSize.ToString(CultureInfo.InvariantCulture)} needs an explicit --channel-mult: {e.Message}", e);
        }
        catch (InvalidModelConfigException)
        {
            return;
        }

        int multiple = config.ImageSizeMultiple();
        if (config.ImageSize % multiple != 0)
        {
            throw new UsageException(string.Create(
                CultureInfo.InvariantCulture,
                $"--size {config.ImageSize} must be a multiple of {multiple}: the network's {levels} levels (--channel-mult) halve the image {levels - 1} times."));
        }
    }

    /// <summary>
    /// --attention must list at least one downsample factor a level of the network has (1, 2, 4, … halving once per
    /// --channel-mult entry but the last). A list of factors no level has places no attention block outside the middle
    /// block, yet the model card recorded it as given, as if the run had attention there. A list some of whose factors
    /// are reached stays accepted: the reference's own "32,16,8" at 128 pixels never reaches 32 (ALGORITHM.md, 1.1).
    /// Checked for a fresh network only: a resume or an --init-from keeps the network its checkpoint or model records.
    /// </summary>
    public static void CheckAttentionPlaced(UNetConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        int[] levelFactors = [.. Enumerable.Range(0, config.ResolveChannelMult().Count).Select(level => 1 << level)];
        if (!config.AttentionDownsampleFactors().Overlaps(levelFactors))
        {
            string factors = string.Join(", ", levelFactors.SkipLast(1).Select(f => f.ToString(CultureInfo.InvariantCulture)));
            string listed = levelFactors.Length == 1 ? levelFactors[0].ToString(CultureInfo.InvariantCulture) : $"{factors} and {levelFactors[^1].ToString(CultureInfo.InvariantCulture)}";
            throw new UsageException(
                $"--attention {config.AttentionResolutions} places no attention block: the network's {levelFactors.Length.ToString(CultureInfo.InvariantCulture)} levels (--channel-mult) are at downsample factors {listed}; list at least one of them.");
        }
    }

    private static string Named(string? option, string message) => option is null ? message : $"{option}: {message}";
}
