using Synomaly.Evaluation;

namespace Synomaly.Cli.Commands;

/// <summary>
/// An input scan, mask or slice that could not be read (missing, no permission, a folder where a file was expected), told
/// without its path: .NET's file errors quote the full path, scan file names can carry patient data, and these lines are
/// the ones pasted into tickets. The original error stays the inner exception (SYNOMALY_DEBUG=1 prints it).
/// </summary>
public sealed class UnreadableInputException : Exception
{
    public UnreadableInputException(Exception inner)
        : base($"{Reason(inner)}; SYNOMALY_DEBUG=1 shows the full error", inner)
    {
    }

    public UnreadableInputException()
    {
    }

    public UnreadableInputException(string message)
        : base(message)
    {
    }

    public UnreadableInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Whether <paramref name="e"/> is a file-system failure, whose message names the file it concerns.</summary>
    public static bool IsFileError(Exception e) => e is IOException or UnauthorizedAccessException;

    /// <summary>
    /// The path-free line for a file-system failure: its type and a generic reason, never its message. An input that names
    /// nothing on disk is told so: "cannot read" sent users looking at the permissions of a folder they had mistyped. It is
    /// named by the option it was given to (<see cref="InputNotFoundException.Option"/>), which is all a command with
    /// several inputs (--healthy, --anomalous) can say of which one is wrong without quoting the path. A manifest whose
    /// lines name nothing on disk is told as one, with what a manifest holds: it may be a text file given by mistake. An
    /// input that exists but cannot be listed, or a file of it that cannot be read later (<see cref="InputListingException"/>:
    /// no permission on the folder or the file, <see cref="InputReads"/>), is named by its option too, and told by the type
    /// of the failure beneath, which says what to look at (UnauthorizedAccessException: the permissions).
    /// </summary>
    public static string Reason(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e switch
        {
            InputNotFoundException { ManifestPathsMissing: > 0 } manifest =>
                $"{manifest.ManifestPathsMissing} of the {manifest.ManifestPaths} paths listed in the manifest given to {manifest.Option ?? "the command"} name nothing on disk: a .txt or .list input is a manifest, one image path per line, relative to the manifest ({e.GetType().Name})",
            InputNotFoundException { Option: { } option } => $"no file, folder or pattern matches the input given to {option} ({e.GetType().Name})",
            InputNotFoundException => $"no file, folder or pattern matches the input given ({e.GetType().Name})",
            InputListingException { Option: { } option } listing => $"cannot read the input given to {option} ({(listing.InnerException ?? e).GetType().Name})",
            InputListingException listing => $"cannot read the input ({(listing.InnerException ?? e).GetType().Name})",
            _ => $"cannot read the input ({e.GetType().Name})",
        };
    }

    /// <summary>Runs <paramref name="read"/>, turning a file-system failure into an <see cref="UnreadableInputException"/>.</summary>
    public static T Guard<T>(Func<T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        try
        {
            return read();
        }
        catch (Exception e) when (IsFileError(e))
        {
            throw new UnreadableInputException(e);
        }
    }
}
