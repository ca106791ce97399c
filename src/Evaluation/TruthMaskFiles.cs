namespace Synomaly.Evaluation;

/// <summary>
/// Pairs every anomalous image with its ground-truth mask (<c>--masks</c>), by one of two documented rules:
/// <list type="bullet">
/// <item>a folder: the mask is the file in it (searched recursively) with the image's name stem, the file name without its
/// extension, <c>.nii.gz</c> counting as one (<c>sub-01_T1w.nii.gz</c> pairs with <c>masks/sub-01_T1w.nii.gz</c>,
/// <c>case7.png</c> with <c>masks/case7.png</c>), stems compared as the file system compares names
/// (<see cref="PathContainment.NameComparer"/>: <c>Case7.png</c> pairs with <c>masks/case7.png</c> on Windows and macOS
/// only);</item>
/// <item>a pairs manifest (<c>.csv</c>, or <c>.tsv</c> with a tab): one <c>image,mask</c> line per anomalous image, paths
/// relative to the manifest, <c>#</c> comments; an image pairs with the line naming the same file.</item>
/// </list>
/// Anything that leaves an image without exactly one mask is an <see cref="EvaluationSetException"/> carrying the file
/// (<see cref="EvaluationSetException.File"/>); its message points at it by option and position (<see cref="InputPosition"/>,
/// a manifest's line number), never by path or name: those can carry patient names.
/// </summary>
public static class TruthMaskFiles
{
    public static IReadOnlyList<string> Pair(IReadOnlyList<string> images, string masks) => Pair(images, masks, PathContainment.NameComparer);

    /// <summary>
    /// <see cref="Pair(IReadOnlyList{string}, string)"/> with the comparison of paths and name stems given (tests ask a
    /// case-insensitive one on Linux), and the listing of a mask folder (<see cref="Directory.EnumerateFiles(string, string, SearchOption)"/>
    /// when null; tests give one that fails, as a folder without read permission does for anyone but root).
    /// </summary>
    internal static IReadOnlyList<string> Pair(IReadOnlyList<string> images, string masks, StringComparer pathNames, Func<string, string, SearchOption, IEnumerable<string>>? listFiles = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentException.ThrowIfNullOrWhiteSpace(masks);
        if (Directory.Exists(masks))
        {
            return ByStem(images, masks, pathNames, listFiles ?? Directory.EnumerateFiles);
        }

        string extension = Path.GetExtension(masks).ToLowerInvariant();
        if (File.Exists(masks) && extension is ".csv" or ".tsv")
        {
            return ByManifest(images, masks, extension == ".tsv" ? '\t' : ',', pathNames);
        }

        throw new EvaluationSetException(EvaluationSetProblem.MissingMask, masks, "--masks names neither a folder of masks nor a .csv/.tsv manifest of image,mask pairs.");
    }

    /// <summary>The file name without its extension; <c>.nii.gz</c> counts as one extension.</summary>
    public static string Stem(string path)
    {
        string name = Path.GetFileName(path);
        return name.EndsWith(".nii.gz", StringComparison.OrdinalIgnoreCase) ? name[..^".nii.gz".Length] : Path.GetFileNameWithoutExtension(name);
    }

    private static List<string> ByStem(IReadOnlyList<string> images, string folder, StringComparer pathNames, Func<string, string, SearchOption, IEnumerable<string>> listFiles)
    {
        // "Inside" asked by the comparer the stems are paired by: the one rule, and a case-insensitive one testable on Linux.
        int inside = images.ToList().FindIndex(image => PathContainment.Contains(folder, image, pathNames));
        if (inside >= 0)
        {
            throw new EvaluationSetException(
                EvaluationSetProblem.MaskAmongImages, images[inside], $"{Anomalous(images, inside)} lies inside the --masks folder: keep masks and images in separate folders, or masks would be read as images.");
        }

        // Stems compared as the file system compares names (PathContainment): on Windows and macOS the user sees Case1.png
        // and a mask case1.png as one name, so they pair, and two masks (or two images) whose stems differ only in case
        // are two of one stem, refused as ambiguous.
        var byStem = InputFiles.Resolve(folder, "--masks", listFiles).GroupBy(Stem, pathNames).ToDictionary(g => g.Key, g => g.ToList(), pathNames);
        var seen = new Dictionary<string, int>(pathNames);
        var paired = new List<string>(images.Count);
        for (int i = 0; i < images.Count; i++)
        {
            string image = images[i], stem = Stem(image);
            if (!seen.TryAdd(stem, i))
            {
                throw new EvaluationSetException(
                    EvaluationSetProblem.AmbiguousPairing, image, $"{Anomalous(images, seen[stem])} and file {i + 1} share a name stem (the name without its extension), so a mask folder cannot tell their masks apart: rename one, or pair them in a .csv manifest.");
            }

            var masks = byStem.GetValueOrDefault(stem)
                ?? throw new EvaluationSetException(EvaluationSetProblem.MissingMask, image, $"{Anomalous(images, i)} has no mask: no file in the --masks folder has its name stem (its name without the extension).");
            paired.Add(masks.Count == 1
                ? masks[0]
                : throw new EvaluationSetException(
                    EvaluationSetProblem.AmbiguousPairing, image, $"The --masks folder holds {masks.Count} files with the name stem of {Anomalous(images, i)} (other extensions or subfolders): keep one."));
        }

        return paired;
    }

    private static List<string> ByManifest(IReadOnlyList<string> images, string manifest, char separator, StringComparer pathNames)
    {
        string root = Path.GetDirectoryName(Path.GetFullPath(manifest))!;
        string Full(string path) => Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(root, path));
        // Each image's mask and the line (from 1, comments and blank lines counted) that pairs them.
        // Full paths compared as the file system does (PathContainment): on Windows and macOS a line naming case1.png names
        // Case1.png, and a mask spelt in another case is still one of the images.
        var pairs = new Dictionary<string, (string Mask, int Line)>(pathNames);
        // Told by the option, as a .txt manifest of images is (InputFiles): .NET's error quotes the path.
        string[] lines = InputReads.Guard("--masks", () => File.ReadAllLines(manifest));
        for (int number = 1; number <= lines.Length; number++)
        {
            string line = lines[number - 1].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var fields = line.Split(separator);
            if (fields.Length != 2)
            {
                throw new EvaluationSetException(
                    EvaluationSetProblem.MissingMask, manifest, $"Line {number} of the --masks manifest is not one image and one mask separated by {(separator == '\t' ? "a tab" : "a comma")}.");
            }

            string image = Full(fields[0].Trim());
            if (!pairs.TryAdd(image, (Full(fields[1].Trim()), number)))
            {
                throw new EvaluationSetException(
                    EvaluationSetProblem.AmbiguousPairing, image, $"Line {number} of the --masks manifest pairs an image that line {pairs[image].Line} pairs already: give each image one mask.");
            }
        }

        var imageSet = images.Select(Path.GetFullPath).ToHashSet(pathNames);
        var paired = new List<string>(images.Count);
        for (int i = 0; i < images.Count; i++)
        {
            var (mask, number) = pairs.TryGetValue(Path.GetFullPath(images[i]), out var pair)
                ? pair
                : throw new EvaluationSetException(EvaluationSetProblem.MissingMask, images[i], $"{Anomalous(images, i)} has no line in the --masks manifest.");
            if (!File.Exists(mask))
            {
                throw new EvaluationSetException(
                    EvaluationSetProblem.MissingMask, mask, $"The mask on line {number} of the --masks manifest (for {Anomalous(images, i)}) does not exist.");
            }

            if (imageSet.Contains(mask))
            {
                throw new EvaluationSetException(
                    EvaluationSetProblem.MaskAmongImages, mask, $"The mask on line {number} of the --masks manifest is also one of the --anomalous files: keep masks out of the image set.");
            }

            paired.Add(mask);
        }

        return paired;
    }

    private static string Anomalous(IReadOnlyList<string> images, int index) => InputPosition.Of(index, images.Count, "--anomalous");
}
