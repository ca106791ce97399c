using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Weights;

namespace Synomaly.Cli;

/// <summary>
/// How every verb refuses a model it cannot load: a usage error (exit 2) named by --model, found before anything starts.
/// One place for which failures mean "this folder is no loadable model" (a missing or unreadable card or weights file, a
/// configuration the UNet refuses, a checkpoint in another format), so that detect, tune, evaluate and demo agree.
/// </summary>
internal static class ModelLoadRefusal
{
    /// <summary>Whether <paramref name="error"/>, thrown while loading the model, means the model given cannot be loaded.</summary>
    public static bool Applies(Exception error) => error is IOException or UnauthorizedAccessException or InvalidOperationException
        or ArgumentException or InvalidModelConfigException or CheckpointFormatException;

    public static UsageException Of(Exception error) => new($"Cannot load the model given by --model: {Reason(error)}", error);

    /// <summary>
    /// Why a saved model could not be read, without the folder's path: a missing card or weights file as the package tells
    /// it (which file, and where a model one level down is), any other file-system failure by <see cref="FileErrorReason"/>,
    /// and what the card or weights hold as it is (those messages name no path).
    /// </summary>
    public static string Reason(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return FileErrorReason.MayQuoteAPath(error) ? FileErrorReason.Of(error)! : ErrorLine.Of(error);
    }
}
