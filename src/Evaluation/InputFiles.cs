namespace Synomaly.Evaluation;

/// <summary>
/// Resolves what a user names as input: a folder (every file in it, recursively, sorted), a glob in the last path segment
/// (<c>data/train/*.png</c>), a manifest (<c>.txt</c> or <c>.list</c>: one path per line, relative to the manifest,
/// '#' comments, each file once: <see cref="InputManifest"/>), or a single file. A folder or pattern is listed sorted and a
/// manifest in its own order, so that runs are reproducible. A name that matches nothing
/// (no such folder, file or pattern folder), or a manifest with a line that names nothing on disk, throws <see cref="InputNotFoundException"/>,
/// a manifest that lists a file twice throws <see cref="RepeatedManifestLineException"/>; one that exists but cannot be listed
/// or read throws <see cref="InputListingException"/>.
/// </summary>
public static class InputFiles
{
    public static IReadOnlyList<string> Resolve(string spec) => Resolve(spec, option: null);

    /// <param name="spec">What the user named.</param>
    /// <param name="option">
    /// The option or argument <paramref name="spec"/> was given to, recorded in the exception an input that is missing or
    /// cannot be read throws (<see cref="InputNotFoundException.Option"/>, <see cref="InputListingException.Option"/>).
    /// </param>
    public static IReadOnlyList<string> Resolve(string spec, string? option) => Resolve(spec, option, Directory.EnumerateFiles);

    /// <summary>
    /// <see cref="Resolve(string, string?)"/> with the folder listing given (<see cref="Directory.EnumerateFiles(string, string, SearchOption)"/>
    /// else): tests run as root, for whom no folder is unreadable, so a listing that fails is given instead.
    /// </summary>
    internal static IReadOnlyList<string> Resolve(string spec, string? option, Func<string, string, SearchOption, IEnumerable<string>> listFiles)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        ArgumentNullException.ThrowIfNull(listFiles);
        try
        {
            return Listed(spec, option, listFiles);
        }
        catch (Exception e) when (e is (IOException or UnauthorizedAccessException) and not InputNotFoundException)
        {
            // Told by the option here, the one place that knows it: the caller's line cannot quote the path .NET's error names.
            throw new InputListingException($"The input given to {option ?? "the command"} exists but cannot be listed or read.", e) { Option = option };
        }
    }

    private static IReadOnlyList<string> Listed(string spec, string? option, Func<string, string, SearchOption, IEnumerable<string>> listFiles)
    {
        if (Directory.Exists(spec))
        {
            return [.. listFiles(spec, "*", SearchOption.AllDirectories).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal)];
        }

        string name = Path.GetFileName(spec);
        if (name.Contains('*') || name.Contains('?'))
        {
            string folder = Path.GetDirectoryName(spec) is { Length: > 0 } d ? d : ".";
            if (!Directory.Exists(folder))
            {
                throw new InputNotFoundException($"The folder of the pattern '{spec}' does not exist.") { Option = option };
            }

            return [.. listFiles(folder, name, SearchOption.TopDirectoryOnly).Order(StringComparer.Ordinal)];
        }

        if (!File.Exists(spec))
        {
            throw new InputNotFoundException($"No file, folder or pattern matches '{spec}'.") { Option = option };
        }

        string extension = Path.GetExtension(spec).ToLowerInvariant();
        return extension is ".txt" or ".list" ? InputManifest.Read(spec, option, PathContainment.NameComparer) : [spec];
    }
}
