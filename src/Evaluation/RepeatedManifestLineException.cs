namespace Synomaly.Evaluation;

/// <summary>
/// A manifest input (<c>.txt</c> or <c>.list</c>) lists one file on two lines (<see cref="InputManifest"/>): a mistake in
/// the list, told by the option and the two line numbers, never by the path (file names can carry patient data). Not a
/// file-system failure, so that the command line prints its message rather than a generic "cannot read the input".
/// </summary>
public sealed class RepeatedManifestLineException : Exception
{
    /// <summary>The command-line option or argument the manifest was given to ("--healthy", "&lt;input&gt;"); null when the caller did not say.</summary>
    public string? Option { get; init; }

    /// <summary>The line (from 1, comments and blank lines counted) that lists the file again.</summary>
    public int Line { get; init; }

    /// <summary>The line that lists the file first.</summary>
    public int FirstLine { get; init; }

    public RepeatedManifestLineException()
    {
    }

    public RepeatedManifestLineException(string message)
        : base(message)
    {
    }

    public RepeatedManifestLineException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
