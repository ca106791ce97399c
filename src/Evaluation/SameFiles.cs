namespace Synomaly.Evaluation;

/// <summary>
/// Finds the files that are a file of another set under another name. A path is not enough: a symbolic link, or a folder
/// reached through one, is the same file under another path (<see cref="RealPath"/>), and a hard link or a copy is the
/// same slice with a path of its own, which only its bytes give away.
/// </summary>
public static class SameFiles
{
    /// <summary>
    /// How many of <paramref name="files"/> are files of <paramref name="set"/>, by real path (compared as the file system
    /// compares names, <see cref="PathContainment.NameComparer"/>) or by SHA-256 of their bytes.
    /// </summary>
    /// <param name="cancellationToken">Stops the hashing within 1 MiB of the file in progress (a large folder would otherwise be hashed to its end).</param>
    public static int CountIn(IEnumerable<string> files, IEnumerable<string> set, CancellationToken cancellationToken = default) =>
        CountIn(files, set, PathContainment.NameComparer, inputOf: null, cancellationToken);

    /// <summary>
    /// <see cref="CountIn(IEnumerable{string}, IEnumerable{string}, CancellationToken)"/> with <paramref name="inputOf"/>, the
    /// option each file of either list was given to: one that cannot be read (no permission, a link to nowhere) is an
    /// <see cref="InputListingException"/> of it (<see cref="InputReads"/>). The lists mix inputs (tune's --normative-data
    /// and the sets tuned and reported on), so only the file can say which option to name.
    /// </summary>
    public static int CountIn(IEnumerable<string> files, IEnumerable<string> set, Func<string, string> inputOf, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(inputOf);
        return CountIn(files, set, PathContainment.NameComparer, inputOf, cancellationToken);
    }

    /// <summary><see cref="CountIn(IEnumerable{string}, IEnumerable{string}, CancellationToken)"/> with the path comparison given (tests ask a case-insensitive one on Linux).</summary>
    internal static int CountIn(IEnumerable<string> files, IEnumerable<string> set, StringComparer pathNames, Func<string, string>? inputOf, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pathNames);
        T Read<T>(string file, Func<string, T> read) => inputOf is null ? read(file) : InputReads.Guard(inputOf(file), () => read(file));
        string Hash(string file) => EvaluationSetManifest.Sha256Of(file, cancellationToken);

        // Real paths compared as the file system compares names (PathContainment): on Windows and macOS C:\Scans\s.png
        // and c:\scans\S.png are one file, found here without hashing it, and counted once.
        var setFiles = set.Distinct(pathNames).ToList();
        var realPaths = setFiles.Select(f => Read(f, RealPath.Of)).ToHashSet(pathNames);
        // Only a file of the same length can have the same bytes: the others are not read, so a large training folder
        // is not hashed in full to find none.
        var lengths = setFiles.Select(f => Read(f, Length)).ToHashSet();
        var contents = new Lazy<HashSet<string>>(() => [.. setFiles.Select(f => Read(f, Hash))]);
        return files.Distinct(pathNames)
            .Count(f => realPaths.Contains(Read(f, RealPath.Of)) || (lengths.Contains(Read(f, Length)) && contents.Value.Contains(Read(f, Hash))));
    }

    private static long Length(string file) => new FileInfo(file).Length;
}
