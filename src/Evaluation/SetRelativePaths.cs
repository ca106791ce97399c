namespace Synomaly.Evaluation;

/// <summary>
/// The names of a set's files below the deepest folder that holds them all, '/'-separated: the file names in a flat
/// folder, as they always were, and p1/slice.png, p2/slice.png where each patient's folder repeats one name (DICOM
/// exports, NIfTI per subject), which the file names alone would make one. Names a set's subjects (<see cref="SubjectSplit"/>),
/// cases and manifest sources (<see cref="EvaluationSetBuilder"/>, <see cref="EvaluationSetManifest"/>).
/// </summary>
public static class SetRelativePaths
{
    /// <summary>The name of each of <paramref name="files"/> below their common folder, keyed by the file as given.</summary>
    public static IReadOnlyDictionary<string, string> Of(IEnumerable<string> files) => Of(files, PathContainment.NameComparer);

    /// <summary><see cref="Of(IEnumerable{string})"/> with the comparison of paths given (tests ask a case-insensitive one on Linux).</summary>
    internal static IReadOnlyDictionary<string, string> Of(IEnumerable<string> files, StringComparer pathNames)
    {
        ArgumentNullException.ThrowIfNull(pathNames);
        // Paths compared as the file system compares names (PathContainment): on Windows and macOS C:\Data\p1\s.png and
        // c:\data\P1\s.png are one file, named once (and found by either spelling), and C:\Data and c:\data one folder.
        var segments = files.Distinct(pathNames).ToDictionary(f => f, f => Path.GetFullPath(f).Split(Path.DirectorySeparatorChar), pathNames);
        int shared = SharedFolders([.. segments.Values], pathNames);
        // The segments below the common folder, so that its spelling in each path does not matter (Path.GetRelativePath
        // compares by the operating system's rule, not the one given).
        return segments.ToDictionary(p => p.Key, p => string.Join('/', p.Value[shared..]), pathNames);
    }

    /// <summary><paramref name="name"/> without its last extension (p1/T1.nii.gz: p1/T1.nii), as a case or subject is named.</summary>
    public static string WithoutExtension(string name) => name[..^Path.GetExtension(name).Length];

    /// <summary>
    /// How many leading folders (the root's segment included: "" on Linux, the drive on Windows) every one of the full
    /// paths <paramref name="paths"/>, split at separators, shares: their deepest common folder (their own for a flat set).
    /// </summary>
    private static int SharedFolders(IReadOnlyList<string[]> paths, StringComparer pathNames)
    {
        if (paths.Count == 0)
        {
            return 0;
        }

        // The last segment is the file's name, never a folder: a file is named at least by itself.
        int folders = paths.Min(p => p.Length - 1);
        return Enumerable.Range(0, folders).TakeWhile(i => paths.All(p => pathNames.Equals(p[i], paths[0][i]))).Count();
    }
}
