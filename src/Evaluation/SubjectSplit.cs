using System.Text.RegularExpressions;

namespace Synomaly.Evaluation;

/// <summary>
/// Splits a validation folder into a tuning half and a reporting half by subject (never by file), so that no subject's
/// slices inform the settings that are then reported on it. The split is a seeded shuffle of the sorted subject ids:
/// reproducible, and independent of file order on disk.
/// </summary>
/// <remarks>
/// A subject is the BIDS-style <c>sub-&lt;id&gt;</c> of a file name; a file without one is its own subject, identified by the
/// SHA-256 of its bytes (<see cref="IdentityOf"/>). Not by its path: the path below a set's common folder changes with the
/// set (d/a/y.png is "a/y" in a set that also holds d/h, "y" in one that holds d/a only), so a file tuned on in one set
/// would not be recognised in another, and evaluate's refusal to report on the tuning set would never fire. Bytes stay the
/// same wherever the file is copied, moved or linked. The path below the common folder still orders the subjects of a
/// split (<see cref="SubjectsOf"/>), so that a set splits as it always did.
/// </remarks>
public static partial class SubjectSplit
{
    /// <summary>The seed of the published split (docs/EVALUATION.md).</summary>
    public const int DefaultSeed = 2024;

    /// <param name="cancellationToken">
    /// Stops the hashing of the files without a <c>sub-&lt;id&gt;</c> within 1 MiB of the file in progress: a large folder
    /// takes long to hash, and tune and evaluate split it before any other work.
    /// </param>
    public static (IReadOnlyList<string> Tuning, IReadOnlyList<string> Reporting) Split(IEnumerable<string> files, int seed = DefaultSeed, CancellationToken cancellationToken = default) =>
        Split(files, seed, PathContainment.NameComparer, cancellationToken);

    /// <summary><see cref="Split(IEnumerable{string}, int, CancellationToken)"/> with the comparison of paths given (tests ask a case-insensitive one on Linux).</summary>
    internal static (IReadOnlyList<string> Tuning, IReadOnlyList<string> Reporting) Split(IEnumerable<string> files, int seed, StringComparer pathNames, CancellationToken cancellationToken)
    {
        // One file named in two cases on Windows or macOS is one file (PathContainment): listed twice, it would be counted
        // twice, and its two spellings of a sub-<id> (sub-AB, sub-ab) could put it in both halves.
        var list = files.Distinct(pathNames).ToList();
        var names = SubjectsOf(list, pathNames);
        // Grouped by identity, so that one file's bytes under two paths never land in both halves; ordered by name, so that
        // a set without such copies keeps the order, and so the halves, it always had.
        var bySubject = SameSubject(list, cancellationToken)
            .OrderBy(g => g.Select(f => names[f]).Min(StringComparer.Ordinal), StringComparer.Ordinal)
            .ToList();
        var random = new Random(seed);
        var shuffled = bySubject.OrderBy(_ => random.Next()).ToList();
        int half = shuffled.Count / 2;
        return (
            [.. shuffled.Take(half).SelectMany(g => g).Order(StringComparer.Ordinal)],
            [.. shuffled.Skip(half).SelectMany(g => g).Order(StringComparer.Ordinal)]);
    }

    /// <summary>
    /// <paramref name="files"/> grouped by subject: files that share any identity (<see cref="IdentitiesOf"/>: a
    /// <c>sub-&lt;id&gt;</c>, or the bytes) are one group, through any chain of them. By the first identity alone, a subject's
    /// file and a copy of it under a name without the id (the id for one, the bytes for the other) were two groups, which
    /// the split could put in both halves: tune read the copy, and evaluate, which knows the bytes, refused the folder.
    /// </summary>
    private static IEnumerable<List<string>> SameSubject(List<string> files, CancellationToken cancellationToken)
    {
        // Union-find over the identities: each file joins all of its own into one set.
        var parent = new Dictionary<string, string>(StringComparer.Ordinal);
        string Root(string identity)
        {
            while (parent.TryGetValue(identity, out var up) && up != identity)
            {
                identity = up;
            }

            return identity;
        }

        // A file with an id can only be a copy of a file without one of the same length: only those are read for their bytes,
        // so that a set whose files all carry an id is split without reading them, as it always was.
        var copyLengths = files.Where(f => !NamesSubject(f)).Select(f => new FileInfo(f).Length).ToHashSet();
        var first = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            string[] identities = NamesSubject(file) && (copyLengths.Count == 0 || !copyLengths.Contains(new FileInfo(file).Length)) ? [IdentityOf(file, cancellationToken)] : IdentitiesOf(file, cancellationToken);
            first[file] = identities[0];
            foreach (var identity in identities)
            {
                parent.TryAdd(identity, identity);
                string a = Root(identities[0]), b = Root(identity);
                if (a != b)
                {
                    parent[b] = a;
                }
            }
        }

        return files.GroupBy(f => Root(first[f]), StringComparer.Ordinal).Select(g => g.ToList());
    }

    /// <summary>
    /// A subject's fingerprint as model cards keep it: the first 16 hex digits of a salted SHA-256, enough to recognise a
    /// subject again without storing its id (a file-name id can name a patient).
    /// </summary>
    public static string Fingerprint(string subject) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes("synomaly-subject:" + subject)))[..16];

    /// <summary>
    /// The sorted fingerprints of the subjects of <paramref name="files"/>, whatever set they are part of: of every file's
    /// bytes, and of the <c>sub-&lt;id&gt;</c> of a name that has one (<see cref="IdentitiesOf"/>). A copy or hard link of a
    /// <c>sub-&lt;id&gt;</c> file under a name without the id is the same slice, and only its bytes can tell.
    /// <paramref name="cancellationToken"/> stops the hashing within 1 MiB of the file in progress.
    /// </summary>
    public static IReadOnlyList<string> Fingerprints(IEnumerable<string> files, CancellationToken cancellationToken = default) =>
        Fingerprints(files, PathContainment.NameComparer, inputOf: null, cancellationToken);

    /// <summary>
    /// <see cref="Fingerprints(IEnumerable{string}, CancellationToken)"/> with the comparison of paths given (tests ask a
    /// case-insensitive one on Linux), and <paramref name="inputOf"/>, the option each file was given to where the files
    /// come from several (<see cref="IdentitiesRead"/>).
    /// </summary>
    internal static IReadOnlyList<string> Fingerprints(IEnumerable<string> files, StringComparer pathNames, Func<string, string>? inputOf, CancellationToken cancellationToken) =>
        [.. files.Distinct(pathNames).SelectMany(f => IdentitiesRead(f, inputOf, cancellationToken)).Distinct(StringComparer.Ordinal).Select(Fingerprint).Order(StringComparer.Ordinal)];

    /// <summary>
    /// How many subjects of <paramref name="files"/>, part of the set <paramref name="set"/>, have a fingerprint among
    /// <paramref name="tuned"/> (null: a profile that predates fingerprints, 0). A file is recognised by its
    /// <c>sub-&lt;id&gt;</c> or by its bytes, whichever the profile recorded: profiles from before both were recorded hold
    /// only one of them (the id of a file that has one, else the bytes). A profile tuned before files were identified by
    /// their bytes recorded a file without a <c>sub-&lt;id&gt;</c> by its path below its set's common folder; that name, taken
    /// in <paramref name="set"/>, is checked too, so such a profile is caught wherever it was caught before.
    /// <paramref name="cancellationToken"/> stops the hashing of the files' bytes within 1 MiB of the file in progress.
    /// </summary>
    public static int CountTunedOn(IEnumerable<string> files, IEnumerable<string> set, IReadOnlyList<string>? tuned, CancellationToken cancellationToken = default) =>
        CountTunedOn(files, set, tuned, PathContainment.NameComparer, inputOf: null, cancellationToken);

    /// <summary>
    /// <see cref="CountTunedOn(IEnumerable{string}, IEnumerable{string}, IReadOnlyList{string}?, CancellationToken)"/> with
    /// the comparison of paths given (tests ask a case-insensitive one on Linux), and <paramref name="inputOf"/>, the option
    /// each file was given to where the files come from several (<see cref="IdentitiesRead"/>).
    /// </summary>
    internal static int CountTunedOn(
        IEnumerable<string> files, IEnumerable<string> set, IReadOnlyList<string>? tuned, StringComparer pathNames, Func<string, string>? inputOf, CancellationToken cancellationToken)
    {
        if (tuned is null)
        {
            return 0;
        }

        var recorded = tuned.ToHashSet(StringComparer.Ordinal);
        // Paths compared as the file system compares names (PathContainment), so that a file counts once whatever its spelling
        // and is found in its set by any.
        var namesInSet = SubjectsOf(set, pathNames);
        return files.Distinct(pathNames)
            .Select(f => (Identities: IdentitiesRead(f, inputOf, cancellationToken), PathName: namesInSet[f]))
            .Where(s => s.Identities.Append(s.PathName).Any(name => recorded.Contains(Fingerprint(name))))
            .Select(s => s.Identities[0])
            .Distinct(StringComparer.Ordinal)
            .Count();
    }

    /// <summary>
    /// What identifies the subject of <paramref name="path"/> wherever the file lies: the <c>sub-&lt;id&gt;</c> of a
    /// BIDS-style name, else <c>sha256:</c> and the hex SHA-256 of the file's bytes (which reads the file, stopping within
    /// 1 MiB once <paramref name="cancellationToken"/> is cancelled).
    /// </summary>
    public static string IdentityOf(string path, CancellationToken cancellationToken = default)
    {
        var match = SubjectPattern().Match(Path.GetFileName(path));
        return match.Success ? match.Value : ContentIdentityOf(path, cancellationToken);
    }

    /// <summary>
    /// Every name <paramref name="path"/> is recognised by across sets, <see cref="IdentityOf"/> first: a BIDS-style file's
    /// <c>sub-&lt;id&gt;</c> and its bytes' <c>sha256:</c>, or the bytes' alone (which reads the file).
    /// </summary>
    private static string[] IdentitiesOf(string path, CancellationToken cancellationToken)
    {
        var match = SubjectPattern().Match(Path.GetFileName(path));
        return match.Success ? [match.Value, ContentIdentityOf(path, cancellationToken)] : [ContentIdentityOf(path, cancellationToken)];
    }

    /// <summary>
    /// <see cref="IdentitiesOf"/>, a file the file system refuses told by the option <paramref name="inputOf"/> gives for it
    /// (<see cref="InputReads"/>): a caller whose files all come from one input guards the whole call instead, but given
    /// sets mix --healthy and --anomalous, and only here is it known which file failed.
    /// </summary>
    private static string[] IdentitiesRead(string path, Func<string, string>? inputOf, CancellationToken cancellationToken) =>
        inputOf is null ? IdentitiesOf(path, cancellationToken) : InputReads.Guard(inputOf(path), () => IdentitiesOf(path, cancellationToken));

    /// <summary><c>sha256:</c> and the hex SHA-256 of the file's bytes: the same wherever the file is copied, moved or linked.</summary>
    private static string ContentIdentityOf(string path, CancellationToken cancellationToken) => "sha256:" + EvaluationSetManifest.Sha256Of(path, cancellationToken);

    /// <summary>
    /// The name of the subject of each of the set's <paramref name="files"/>, keyed by the file as given: the
    /// <c>sub-&lt;id&gt;</c>, else the file's path below the set's common folder. It tells subjects apart within one set (the
    /// split's order, the bootstrap's groups); across sets, <see cref="IdentityOf"/> does.
    /// </summary>
    public static IReadOnlyDictionary<string, string> SubjectsOf(IEnumerable<string> files) => SubjectsOf(files, PathContainment.NameComparer);

    /// <summary><see cref="SubjectsOf(IEnumerable{string})"/> with the comparison of paths given (tests ask a case-insensitive one on Linux).</summary>
    internal static IReadOnlyDictionary<string, string> SubjectsOf(IEnumerable<string> files, StringComparer pathNames) =>
        SetRelativePaths.Of(files, pathNames).ToDictionary(p => p.Key, p => SubjectOf(p.Key, p.Value), pathNames);

    /// <summary>Whether the file name carries a BIDS-style subject id (sub-IXI002_...), rather than standing for its own subject.</summary>
    public static bool NamesSubject(string path) => SubjectPattern().IsMatch(Path.GetFileName(path));

    /// <summary>The subject id in a BIDS-style name (sub-IXI002_...), or, for a file taken alone, its name without extension.</summary>
    public static string SubjectOf(string path) => SubjectOf(path, Path.GetFileName(path));

    /// <summary>
    /// The subject id in a BIDS-style name, or <paramref name="nameInSet"/>, the file's path below the set's common folder
    /// (<see cref="SetRelativePaths"/>), without its last extension (p1/T1.nii.gz: p1/T1.nii).
    /// </summary>
    private static string SubjectOf(string path, string nameInSet)
    {
        var match = SubjectPattern().Match(Path.GetFileName(path));
        return match.Success ? match.Value : SetRelativePaths.WithoutExtension(nameInSet);
    }

    [GeneratedRegex("sub-[A-Za-z0-9]+")]
    private static partial Regex SubjectPattern();
}
