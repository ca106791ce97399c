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
        CountIn(files, set, PathContainment.NameComparer, cancellationToken);

    /// <summary><see cref="CountIn(IEnumerable{string}, IEnumerable{string}, CancellationToken)"/> with the path comparison given (tests ask a case-insensitive one on Linux).</summary>
    internal static int CountIn(IEnumerable<string> files, IEnumerable<string> set, StringComparer pathNames, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pathNames);
        // Real paths compared as the file system compares names (PathContainment): on Windows and macOS C:\Scans\s.png
        // and c:\scans\S.png are one file, found here without hashing it, and counted once.
        var setFiles = set.Distinct(pathNames).ToList();
        var realPaths = setFiles.Select(RealPath.Of).ToHashSet(pathNames);
        // Only a file of the same length can have the same bytes: the others are not read, so a large training folder
        // is not hashed in full to find none.
        var lengths = setFiles.Select(Length).ToHashSet();
        var contents = new Lazy<HashSet<string>>(() => [.. setFiles.Select(f => EvaluationSetManifest.Sha256Of(f, cancellationToken))]);
        return files.Distinct(pathNames)
            .Count(f => realPaths.Contains(RealPath.Of(f)) || (lengths.Contains(Length(f)) && contents.Value.Contains(EvaluationSetManifest.Sha256Of(f, cancellationToken))));
    }

    private static long Length(string file) => new FileInfo(file).Length;
}
