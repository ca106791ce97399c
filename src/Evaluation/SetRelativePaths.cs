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
    public static IReadOnlyDictionary<string, string> Of(IEnumerable<string> files)
    {
        var distinct = files.Distinct(StringComparer.Ordinal).ToList();
        string common = CommonFolder(distinct);
        return distinct.ToDictionary(
            f => f, f => Path.GetRelativePath(common, Path.GetFullPath(f)).Replace(Path.DirectorySeparatorChar, '/'), StringComparer.Ordinal);
    }

    /// <summary><paramref name="name"/> without its last extension (p1/T1.nii.gz: p1/T1.nii), as a case or subject is named.</summary>
    public static string WithoutExtension(string name) => name[..^Path.GetExtension(name).Length];

    /// <summary>The deepest folder that holds every one of <paramref name="files"/> (their own folder for a flat set).</summary>
    private static string CommonFolder(IReadOnlyList<string> files)
    {
        if (files.Count == 0)
        {
            return "";
        }

        var folders = files.Select(f => (Path.GetDirectoryName(Path.GetFullPath(f)) ?? "").Split(Path.DirectorySeparatorChar)).ToList();
        int depth = folders.Min(f => f.Length);
        int shared = Enumerable.Range(0, depth).TakeWhile(i => folders.All(f => string.Equals(f[i], folders[0][i], StringComparison.Ordinal))).Count();
        string common = string.Join(Path.DirectorySeparatorChar, folders[0].Take(shared));
        return common.Length == 0 ? Path.GetPathRoot(Path.GetFullPath(files[0])) ?? "" : common;
    }
}
