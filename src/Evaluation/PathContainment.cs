namespace Synomaly.Evaluation;

/// <summary>
/// The one rule for "is this path inside that folder": the folder itself or anything below it. Two ways to ask it, for
/// two questions: <see cref="Contains"/> compares the paths as spelt (made absolute, no link followed), for pairing files
/// by where they were listed from; <see cref="ContainsFollowingLinks"/> compares real paths (<see cref="RealPath"/>), for
/// guards that must also catch a folder reached through a link.
/// </summary>
public static class PathContainment
{
    /// <summary>
    /// How path names compare: ignoring case where the file system does by default (NTFS on Windows, APFS on macOS), where
    /// C:\Data\run and c:\data\RUN are one folder and an exact comparison would let an --out "outside" its input; exactly
    /// elsewhere (Linux), where they are two folders.
    /// </summary>
    public static StringComparison NameComparison { get; } =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>
    /// <see cref="NameComparison"/> as a comparer, for sets and dictionaries of full paths: "is this the same file" asked
    /// by the same rule as "is it inside that folder" (manifest pairing, the overlap of given sets, a set's
    /// names below its folder and its subject split).
    /// </summary>
    public static StringComparer NameComparer { get; } = StringComparer.FromComparison(NameComparison);

    /// <summary>
    /// Whether <paramref name="path"/> is <paramref name="folder"/> or lies below it, comparing full paths as spelt: a link
    /// is not followed, so a file reached through a linked folder lies where its path says.
    /// </summary>
    public static bool Contains(string folder, string path) => Contains(folder, path, NameComparison);

    /// <summary>
    /// Whether <paramref name="path"/> is <paramref name="folder"/> or lies below it once every link along either is
    /// followed: a path through a link into the folder is inside it.
    /// </summary>
    /// <exception cref="SymbolicLinkLoopException">A path goes through a loop of links (<see cref="RealPath.Of"/>).</exception>
    public static bool ContainsFollowingLinks(string folder, string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentException.ThrowIfNullOrEmpty(path);
        return IsAtOrBelow(RealPath.Of(folder), RealPath.Of(path), NameComparer);
    }

    /// <summary><see cref="Contains(string, string)"/> with the name comparison given (tests ask a case-insensitive one on Linux).</summary>
    internal static bool Contains(string folder, string path, StringComparison comparison) =>
        Contains(folder, path, StringComparer.FromComparison(comparison));

    /// <summary>
    /// <see cref="Contains(string, string)"/> with names compared by <paramref name="pathNames"/>: code that is given a comparer
    /// for its sets of paths (<see cref="TruthMaskFiles"/>) asks "inside" by the same one.
    /// </summary>
    internal static bool Contains(string folder, string path, StringComparer pathNames)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(pathNames);
        return IsAtOrBelow(Path.GetFullPath(folder), Path.GetFullPath(path), pathNames);
    }

    private static bool IsAtOrBelow(string folder, string path, StringComparer pathNames)
    {
        string parent = Path.TrimEndingDirectorySeparator(folder);
        string child = Path.TrimEndingDirectorySeparator(path);
        // Compared up to a separator, or /data/run2 would lie inside /data/run; a root keeps its separator ("/", "C:\"),
        // so it is not added twice. A comparer has no StartsWith: the child's start is compared as a whole.
        string prefix = Path.EndsInDirectorySeparator(parent) ? parent : parent + Path.DirectorySeparatorChar;
        return pathNames.Equals(child, parent) || (child.Length >= prefix.Length && pathNames.Equals(child[..prefix.Length], prefix));
    }
}
