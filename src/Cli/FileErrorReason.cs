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
