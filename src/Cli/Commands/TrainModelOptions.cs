using System.Globalization;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Training;

namespace Synomaly.Cli.Commands;

/// <summary>
/// train's model options (--size, --model-channels, --channel-mult, --res-blocks, --attention, --head-channels), checked
/// before any data is read or anything written. Each refusal is a usage error (exit 2) that names the option as typed: the
/// network itself refuses a bad value only once it is built, after the data is read, and a run into a folder whose
/// checkpoint has another network would otherwise fail (exit 1) as if the data were at fault.
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

    /// <summary>
    /// Refuses a resume whose model options differ from the ones the checkpoint in <paramref name="checkpointDirectory"/> was
    /// trained with: weights of the same shapes (another --size, for one) would otherwise load silently and train another network.
    /// </summary>
    public static void RequireSameAsCheckpoint(string checkpointDirectory, UNetConfig config)
    {
        try
        {
            TrainingCheckpoint.RequireSameModel(checkpointDirectory, config);
        }
        catch (TrainingCheckpointMismatchException e)
        {
            throw new UsageException(Named(e.Option, e.Message), e);
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

    private static string Named(string? option, string message) => option is null ? message : $"{option}: {message}";
}
