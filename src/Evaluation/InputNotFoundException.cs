namespace Synomaly.Evaluation;

/// <summary>
/// What a user named as input (a folder, a pattern, a manifest or a file) matches nothing on disk: a mistyped path, not a
/// file that exists but cannot be opened. A <see cref="FileNotFoundException"/>, so that every caller that handles an
/// unreadable input handles it too, but a type of its own, so that the command line can say which of the two it is without
/// quoting the path (file names can carry patient data).
/// </summary>
public sealed class InputNotFoundException : FileNotFoundException
{
    /// <summary>
    /// The command-line option or argument the input was given to ("--data", "&lt;input&gt;"), when the caller said: a
    /// command with several inputs names the one that matches nothing by it, since it cannot quote the path.
    /// </summary>
    public string? Option { get; init; }

    /// <summary>
    /// For a manifest (a .txt or .list input) some of whose lines name nothing on disk: how many paths it lists and how many of
    /// them name nothing on disk, so that a text file that is no manifest is told as one, without quoting a line; 0 else.
    /// </summary>
    public int ManifestPaths { get; init; }

    /// <inheritdoc cref="ManifestPaths"/>
    public int ManifestPathsMissing { get; init; }

    public InputNotFoundException()
    {
    }

    public InputNotFoundException(string message)
        : base(message)
    {
    }

    public InputNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
