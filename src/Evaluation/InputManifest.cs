namespace Synomaly.Evaluation;

/// <summary>
/// Reads a manifest input (<c>.txt</c> or <c>.list</c>): one path per line, relative to the manifest, blank lines and
/// '#' comments skipped, in the manifest's order. Refused, by the option and never by a path or line's text (file names
/// can carry patient data): a manifest whose lines name nothing on disk (<see cref="InputNotFoundException"/>), and one that
/// lists a file twice (<see cref="RepeatedManifestLineException"/>).
/// </summary>
internal static class InputManifest
{
    /// <param name="pathNames">
    /// How two lines are found to name one file: real paths (<see cref="RealPath"/>) compared as the file system compares
    /// names (<see cref="PathContainment.NameComparer"/>; tests ask a case-insensitive one on Linux).
    /// </param>
    public static IReadOnlyList<string> Read(string manifest, string? option, StringComparer pathNames)
    {
        string root = Path.GetDirectoryName(Path.GetFullPath(manifest))!;
        // Each path with its line number (from 1, comments and blank lines counted), as the user's editor shows it.
        var listed = File.ReadAllLines(manifest)
            .Select((text, index) => (Text: text.Trim(), Line: index + 1))
            .Where(l => l.Text.Length > 0 && !l.Text.StartsWith('#'))
            .Select(l => (Path: Path.IsPathRooted(l.Text) ? l.Text : Path.Combine(root, l.Text), l.Line))
            .ToList();
        // Checked here, where the input is known to be a manifest: a .txt of notes failed only when its first "path"
        // was read, as "cannot read the input (FileNotFoundException)", which did not say a manifest was expected.
        int missing = listed.Count(l => !File.Exists(l.Path) && !Directory.Exists(l.Path));
        if (missing > 0)
        {
            throw new InputNotFoundException($"{missing} of the {listed.Count} paths listed in the manifest '{manifest}' name nothing on disk.")
            {
                Option = option, ManifestPaths = listed.Count, ManifestPathsMissing = missing,
            };
        }

        RequireEachFileOnce(listed, option, pathNames);
        return [.. listed.Select(l => l.Path)];
    }

    /// <summary>
    /// Refuses a file listed twice, as spelt or through another spelling of it (./a.png and a.png, an absolute and a
    /// relative path; Case1.png and case1.png where names ignore case), or through a link (a link and its target, a file
    /// reached through a linked folder): compared by real path, as the guards between sets compare them
    /// (<see cref="PathContainment.ContainsFollowingLinks"/>). Refused rather than dropped: a hand-made list that
    /// names a file twice is usually a mistake (a line copied and not edited, so the file meant is missing), and used as
    /// it is the file was trained on or evaluated twice, weighing its subject double; the line numbers say what to fix.
    /// </summary>
    private static void RequireEachFileOnce(IEnumerable<(string Path, int Line)> listed, string? option, StringComparer pathNames)
    {
        var firstLine = new Dictionary<string, int>(pathNames);
        foreach (var (path, line) in listed)
        {
            // A line through a loop of links cannot be followed to the end: RealPath throws SymbolicLinkLoopException, an
            // IOException, which InputFiles tells as an input that cannot be read, by its option and never its path.
            string file = RealPath.Of(path);
            if (!firstLine.TryAdd(file, line))
            {
                throw new RepeatedManifestLineException(
                    $"Line {line} of the manifest given to {option ?? "the command"} lists the file that line {firstLine[file]} lists already: list each file once.")
                {
                    Option = option, Line = line, FirstLine = firstLine[file],
                };
            }
        }
    }
}
