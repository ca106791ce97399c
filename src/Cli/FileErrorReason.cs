using Synomaly.Diffusion.Weights;
using Synomaly.Evaluation;
using Synomaly.Imaging.Dicom;

namespace Synomaly.Cli;

/// <summary>
/// What a file-system failure means, told without its path: .NET's own messages quote the full path ("Access to the path
/// '/data/Doe_Jane/model.safetensors' is denied."), folder and file names can carry patient names, and the command line's
/// error lines are pasted into tickets. The exception's type closes the reason, for a search; SYNOMALY_DEBUG=1 prints the
/// original error, path and all.
/// </summary>
internal static class FileErrorReason
{
    /// <summary>
    /// Whether <paramref name="error"/>'s message may quote a path, so that it must be told by <see cref="Of"/> instead: any
    /// .NET file-system failure, except the project's own types derived from one whose messages are written to name no path
    /// (<see cref="MissingModelFileException"/>: "No model-card.json in the model folder."; <see cref="DicomTranscoderFaultException"/>;
    /// <see cref="SymbolicLinkLoopException"/>: "A path goes through a symbolic link loop ...", which read only "an I/O error" when hidden).
    /// A list of types rather than a mark set where each is thrown: a type is what catch clauses already tell errors by, and a
    /// type the list does not name is told without its message, the safe default for one that does quote a path
    /// (InputNotFoundException quotes what the user typed). A path-free message the CLI throws for the user to read is of
    /// a type of its own that is no file-system failure (<see cref="Local.LocalSetupException"/>).
    /// </summary>
    public static bool MayQuoteAPath(Exception error) =>
        error is (IOException or UnauthorizedAccessException) and not (MissingModelFileException or DicomTranscoderFaultException or SymbolicLinkLoopException);

    /// <summary>
    /// The path-free reason of a file-system failure ("access denied (UnauthorizedAccessException)"); null for any other
    /// error, whose message is the program's own.
    /// </summary>
    public static string? Of(Exception error)
    {
        ArgumentNullException.ThrowIfNull(error);
        string? reason = error switch
        {
            FileNotFoundException => "a file was not found",
            DirectoryNotFoundException => "a folder was not found",
            UnauthorizedAccessException => "access denied",
            PathTooLongException => "a path is too long",
            IOException => "an I/O error",
            _ => null,
        };
        return reason is null ? null : $"{reason} ({error.GetType().Name})";
    }
}
