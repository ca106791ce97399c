using System.Text.RegularExpressions;

namespace Synomaly.Evaluation;

/// <summary>
/// Splits a validation folder into a tuning half and a reporting half by subject (never by file), so that no subject's
/// slices inform the settings that are then reported on it. The split is a seeded shuffle of the sorted subject ids:
/// reproducible, and independent of file order on disk.
/// </summary>
public static partial class SubjectSplit
{
    /// <summary>The seed of the published split (docs/EVALUATION.md).</summary>
    public const int DefaultSeed = 2024;

    public static (IReadOnlyList<string> Tuning, IReadOnlyList<string> Reporting) Split(IEnumerable<string> files, int seed = DefaultSeed)
    {
        var bySubject = files.GroupBy(SubjectOf, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
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

    /// <summary>The sorted fingerprints of the subjects of <paramref name="files"/>.</summary>
    public static IReadOnlyList<string> Fingerprints(IEnumerable<string> files) =>
        [.. files.Select(SubjectOf).Distinct(StringComparer.Ordinal).Select(Fingerprint).Order(StringComparer.Ordinal)];

    /// <summary>Whether the file name carries a BIDS-style subject id (sub-IXI002_...), rather than standing for its own subject.</summary>
    public static bool NamesSubject(string path) => SubjectPattern().IsMatch(Path.GetFileName(path));

    /// <summary>The subject id in a BIDS-style name (sub-IXI002_...), or the file name without extension.</summary>
    public static string SubjectOf(string path)
    {
        var name = Path.GetFileName(path);
        var match = SubjectPattern().Match(name);
        return match.Success ? match.Value : Path.GetFileNameWithoutExtension(name);
    }

    [GeneratedRegex("sub-[A-Za-z0-9]+")]
    private static partial Regex SubjectPattern();
}
