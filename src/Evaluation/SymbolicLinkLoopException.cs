namespace Synomaly.Evaluation;

/// <summary>
/// A path could not be resolved (<see cref="RealPath"/>): it goes through a loop of symbolic links, or a chain of more links
/// than one lookup follows. An <see cref="IOException"/>, as the kernel's ELOOP is, whose message names no path, so that
/// callers may show it as it is (the command line hides the text of other IO errors, which quote their paths: folder names
/// can carry patient names); a caller that knows which option held the path names it (<see cref="Reason"/>).
/// </summary>
public sealed class SymbolicLinkLoopException : IOException
{
    /// <summary>What is wrong, for a caller's own sentence: "--out goes through {Reason}".</summary>
    public static readonly string Reason = $"a symbolic link loop (or a chain longer than {RealPath.MaxLinks} links)";

    public SymbolicLinkLoopException()
        : base($"A path goes through {Reason}.")
    {
    }

    public SymbolicLinkLoopException(string message)
        : base(message)
    {
    }

    public SymbolicLinkLoopException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
