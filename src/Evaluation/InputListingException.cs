namespace Synomaly.Evaluation;

/// <summary>
/// What a user named as input exists but could not be listed, its manifest read, or one of its files read later
/// (<see cref="InputReads"/>: no permission on the folder or on a file in it, a link to nowhere, an I/O error): the
/// file-system failure is the inner exception, and <see cref="Option"/> says which input it was. .NET's error
/// quotes the path, which the command line cannot print (file names can carry patient data), so without the option a
/// command with several inputs (--healthy, --anomalous, --masks) could only say "cannot read the input". An
/// <see cref="IOException"/>, so that every caller that handles an unreadable input handles it too.
/// </summary>
public sealed class InputListingException : IOException
{
    /// <summary>The command-line option or argument the input was given to ("--masks", "&lt;input&gt;"); null when the caller did not say.</summary>
    public string? Option { get; init; }

    public InputListingException()
    {
    }

    public InputListingException(string message)
        : base(message)
    {
    }

    public InputListingException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
