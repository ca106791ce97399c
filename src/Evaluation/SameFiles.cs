namespace Synomaly.Evaluation;

/// <summary>
/// Finds the files that are a file of another set under another name. A path is not enough: a symbolic link, or a folder
/// reached through one, is the same file under another path (<see cref="RealPath"/>), and a hard link or a copy is the
/// same slice with a path of its own, which only its bytes give away.
/// </summary>
public static class SameFiles
{
    /// <summary>How many of <paramref name="files"/> are files of <paramref name="set"/>, by real path or by SHA-256 of their bytes.</summary>
    /// <param name="cancellationToken">Stops the hashing within 1 MiB of the file in progress (a large folder would otherwise be hashed to its end).</param>
    public static int CountIn(IEnumerable<string> files, IEnumerable<string> set, CancellationToken cancellationToken = default)
    {
        var setFiles = set.Distinct(StringComparer.Ordinal).ToList();
        var realPaths = setFiles.Select(RealPath.Of).ToHashSet(StringComparer.Ordinal);
        // Only a file of the same length can have the same bytes: the others are not read, so a large training folder
        // is not hashed in full to find none.
        var lengths = setFiles.Select(Length).ToHashSet();
        var contents = new Lazy<HashSet<string>>(() => [.. setFiles.Select(f => EvaluationSetManifest.Sha256Of(f, cancellationToken))]);
        return files.Distinct(StringComparer.Ordinal)
            .Count(f => realPaths.Contains(RealPath.Of(f)) || (lengths.Contains(Length(f)) && contents.Value.Contains(EvaluationSetManifest.Sha256Of(f, cancellationToken))));
    }

    private static long Length(string file) => new FileInfo(file).Length;
}
