using System.Text.RegularExpressions;

namespace Synomaly.Evaluation;

/// <summary>
/// Splits a validation folder into a tuning half and a reporting half by subject (never by file), so that no subject's
/// slices inform the settings that are then reported on it. The split is a seeded shuffle of the sorted subject ids:
/// reproducible, and independent of file order on disk.
/// </summary>
/// <remarks>
/// A subject is the BIDS-style <c>sub-&lt;id&gt;</c> of a file name; a file without one is its own subject, named by its
/// path below the common folder of the set's files, last extension stripped. The path, not the bare name, because
/// patients are often kept one per folder under the same file name (p1/T1.nii.gz, p2/T1.nii.gz), and the bare name
/// would make them one subject. In a flat folder the path is the file name, so those subjects (and their fingerprints)
/// are what they always were.
/// </remarks>
public static partial class SubjectSplit
{
    /// <summary>The seed of the published split (docs/EVALUATION.md).</summary>
    public const int DefaultSeed = 2024;

    public static (IReadOnlyList<string> Tuning, IReadOnlyList<string> Reporting) Split(IEnumerable<string> files, int seed = DefaultSeed)
    {
        var list = files.ToList();
        var subjects = SubjectsOf(list);
        var bySubject = list.GroupBy(f => subjects[f], StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        var random = new Random(seed);
        var shuffled = bySubject.OrderBy(_ => random.Next()).ToList();
        int half = shuffled.Count / 2;
        return (
            [.. shuffled.Take(half).SelectMany(g => g).Order(StringComparer.Ordinal)],
            [.. shuffled.Skip(half).SelectMany(g => g).Order(StringComparer.Ordinal)]);
    }

    /// <summary>
    /// A subject's fingerprint as model cards keep it: the first 16 hex digits of a salted SHA-256, enough to recognise a
    /// subject again without storing its id (a file-name id can name a patient).
    /// </summary>
    public static string Fingerprint(string subject) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("synomaly-subject:" + subject)))[..16];

    /// <summary>The sorted fingerprints of the subjects of <paramref name="files"/>, a set of its own.</summary>
    public static IReadOnlyList<string> Fingerprints(IEnumerable<string> files)
    {
        var list = files.ToList();
        return Fingerprints(list, list);
    }

    /// <summary>
    /// The sorted fingerprints of the subjects of <paramref name="files"/>, part of the set <paramref name="set"/> (a half of
    /// a split): a subject without a <c>sub-&lt;id&gt;</c> is named below the whole set's common folder, as the split named it.
    /// </summary>
    public static IReadOnlyList<string> Fingerprints(IEnumerable<string> files, IEnumerable<string> set)
    {
        var subjects = SubjectsOf(set);
        return [.. files.Select(f => subjects[f]).Distinct(StringComparer.Ordinal).Select(Fingerprint).Order(StringComparer.Ordinal)];
    }

    /// <summary>The subject of each of the set's <paramref name="files"/>, keyed by the file as given.</summary>
    public static IReadOnlyDictionary<string, string> SubjectsOf(IEnumerable<string> files)
    {
        var distinct = files.Distinct(StringComparer.Ordinal).ToList();
        string common = CommonFolder(distinct);
        return distinct.ToDictionary(f => f, f => SubjectOf(f, common), StringComparer.Ordinal);
    }

    /// <summary>Whether the file name carries a BIDS-style subject id (sub-IXI002_...), rather than standing for its own subject.</summary>
    public static bool NamesSubject(string path) => SubjectPattern().IsMatch(Path.GetFileName(path));

    /// <summary>The subject id in a BIDS-style name (sub-IXI002_...), or, for a file taken alone, its name without extension.</summary>
    public static string SubjectOf(string path) => SubjectOf(path, Path.GetDirectoryName(Path.GetFullPath(path)) ?? "");

    /// <summary>
    /// The subject id in a BIDS-style name, or the file's path below <paramref name="commonFolder"/> ('/'-separated) without
    /// its last extension (p1/T1.nii.gz: p1/T1.nii).
    /// </summary>
    private static string SubjectOf(string path, string commonFolder)
    {
        var match = SubjectPattern().Match(Path.GetFileName(path));
        if (match.Success)
        {
            return match.Value;
        }

        var relative = Path.GetRelativePath(commonFolder, Path.GetFullPath(path)).Replace(Path.DirectorySeparatorChar, '/');
        return relative[..^Path.GetExtension(relative).Length];
    }

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

    [GeneratedRegex("sub-[A-Za-z0-9]+")]
    private static partial Regex SubjectPattern();
}
