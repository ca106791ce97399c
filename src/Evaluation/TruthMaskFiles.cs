namespace Synomaly.Evaluation;

/// <summary>
/// Pairs every anomalous image with its ground-truth mask (<c>--masks</c>), by one of two documented rules:
/// <list type="bullet">
/// <item>a folder: the mask is the file in it (searched recursively) with the image's name stem, the file name without its
/// extension, <c>.nii.gz</c> counting as one (<c>sub-01_T1w.nii.gz</c> pairs with <c>masks/sub-01_T1w.nii.gz</c>,
/// <c>case7.png</c> with <c>masks/case7.png</c>);</item>
/// <item>a pairs manifest (<c>.csv</c>, or <c>.tsv</c> with a tab): one <c>image,mask</c> line per anomalous image, paths
/// relative to the manifest, <c>#</c> comments; an image pairs with the line naming the same file.</item>
/// </list>
/// Anything that leaves an image without exactly one mask is an <see cref="EvaluationSetException"/> naming the file.
/// </summary>
public static class TruthMaskFiles
{
    public static IReadOnlyList<string> Pair(IReadOnlyList<string> images, string masks)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentException.ThrowIfNullOrWhiteSpace(masks);
        if (Directory.Exists(masks))
        {
            return ByStem(images, masks);
        }

        string extension = Path.GetExtension(masks).ToLowerInvariant();
        if (File.Exists(masks) && extension is ".csv" or ".tsv")
        {
            return ByManifest(images, masks, extension == ".tsv" ? '\t' : ',');
        }

        throw new EvaluationSetException(EvaluationSetProblem.MissingMask, masks, $"--masks '{masks}' is neither a folder of masks nor a .csv/.tsv manifest of image,mask pairs.");
    }

    /// <summary>The file name without its extension; <c>.nii.gz</c> counts as one extension.</summary>
    public static string Stem(string path)
    {
        string name = Path.GetFileName(path);
        return name.EndsWith(".nii.gz", StringComparison.OrdinalIgnoreCase) ? name[..^".nii.gz".Length] : Path.GetFileNameWithoutExtension(name);
    }

    private static List<string> ByStem(IReadOnlyList<string> images, string folder)
    {
        if (images.FirstOrDefault(image => PathContainment.Contains(folder, image)) is { } inside)
        {
            throw new EvaluationSetException(
                EvaluationSetProblem.MaskAmongImages, inside, $"The anomalous image '{inside}' lies inside the mask folder '{folder}': keep masks and images in separate folders, or masks would be read as images.");
        }

        var byStem = InputFiles.Resolve(folder).GroupBy(Stem, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        var paired = new List<string>(images.Count);
        foreach (var image in images)
        {
            string stem = Stem(image);
            if (!seen.TryAdd(stem, image))
            {
                throw new EvaluationSetException(
                    EvaluationSetProblem.AmbiguousPairing, image, $"The anomalous images '{seen[stem]}' and '{image}' share the name stem '{stem}', so a mask folder cannot tell their masks apart: rename one, or pair them in a .csv manifest.");
            }

            var masks = byStem.GetValueOrDefault(stem)
                ?? throw new EvaluationSetException(EvaluationSetProblem.MissingMask, image, $"The anomalous image '{image}' has no mask: no file named '{stem}.*' in '{folder}'.");
            paired.Add(masks.Count == 1
                ? masks[0]
                : throw new EvaluationSetException(
                    EvaluationSetProblem.AmbiguousPairing, image, $"The mask folder '{folder}' holds {masks.Count} files named '{stem}.*' for the anomalous image '{image}': keep one."));
        }

        return paired;
    }

    private static List<string> ByManifest(IReadOnlyList<string> images, string manifest, char separator)
    {
        string root = Path.GetDirectoryName(Path.GetFullPath(manifest))!;
        string Full(string path) => Path.GetFullPath(Path.IsPathRooted(path) ? path : Path.Combine(root, path));
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in File.ReadAllLines(manifest).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            var fields = line.Split(separator);
            if (fields.Length != 2)
            {
                throw new EvaluationSetException(EvaluationSetProblem.MissingMask, manifest, $"The line '{line}' of '{manifest}' is not one image and one mask separated by '{(separator == '\t' ? "tab" : ",")}'.");
            }

            string image = Full(fields[0].Trim());
            if (!pairs.TryAdd(image, Full(fields[1].Trim())))
            {
                throw new EvaluationSetException(EvaluationSetProblem.AmbiguousPairing, image, $"'{manifest}' pairs the image '{fields[0].Trim()}' with more than one mask.");
            }
        }

        var imageSet = images.Select(Path.GetFullPath).ToHashSet(StringComparer.Ordinal);
        var paired = new List<string>(images.Count);
        foreach (var image in images)
        {
            var mask = pairs.GetValueOrDefault(Path.GetFullPath(image))
                ?? throw new EvaluationSetException(EvaluationSetProblem.MissingMask, image, $"The anomalous image '{image}' has no line in '{manifest}'.");
            if (!File.Exists(mask))
            {
                throw new EvaluationSetException(EvaluationSetProblem.MissingMask, mask, $"The mask '{mask}' that '{manifest}' pairs with '{image}' does not exist.");
            }

            if (imageSet.Contains(mask))
            {
                throw new EvaluationSetException(EvaluationSetProblem.MaskAmongImages, mask, $"The mask '{mask}' is also one of the anomalous images: keep masks out of the image set.");
            }

            paired.Add(mask);
        }

        return paired;
    }
}
