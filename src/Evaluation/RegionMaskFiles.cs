namespace Synomaly.Evaluation;

/// <summary>
/// Pairs training images with their region masks (<c>synomaly train --region-mask &lt;folder&gt;</c>): the mask of an image
/// is the file at the same path in the mask folder as the image has under its input (the folder given, a glob's folder,
/// a manifest's folder), so a mask folder mirrors the data folder; an image listed from elsewhere pairs by file name.
/// Refusals name the option, never the folder or a file: their names can carry patient names.
/// </summary>
public static class RegionMaskFiles
{
    /// <summary>
    /// The mask of every image, in order. A mask folder that does not exist is an <see cref="InputNotFoundException"/> of
    /// --region-mask, which the command line names by the option; missing masks are a mistake in the data
    /// (<see cref="InvalidDataException"/>, its message shown as it is: a file error's would be replaced by a generic
    /// "cannot read the input"); masks among the images are an <see cref="ArgumentException"/>.
    /// </summary>
    public static IReadOnlyList<string> Pair(string inputSpec, IReadOnlyList<string> images, string maskFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(inputSpec);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentException.ThrowIfNullOrWhiteSpace(maskFolder);
        if (!Directory.Exists(maskFolder))
        {
            throw new InputNotFoundException("The --region-mask folder does not exist.") { Option = "--region-mask" };
        }

        string masks = Path.GetFullPath(maskFolder);
        if (images.Any(image => PathContainment.Contains(masks, image)))
        {
            throw new ArgumentException($"The --region-mask folder lies inside the training data, so its masks would be trained on as images: move it out.");
        }

        string root = InputRoot(inputSpec);
        var paired = images.Select(image => Path.Combine(masks, RelativeName(root, Path.GetFullPath(image)))).ToList();
        var missing = Enumerable.Range(0, paired.Count).Where(i => !File.Exists(paired[i])).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidDataException(
                $"--region-mask: {missing.Count} of {images.Count} training images have no region mask (a file with the same relative path in the folder), the first being {InputPosition.Of(missing[0], images.Count, "the training data")}.");
        }

        return paired;
    }

    /// <summary>The folder the inputs are named from: the folder itself, a glob's folder, or a manifest's (or single file's) folder.</summary>
    private static string InputRoot(string inputSpec)
    {
        if (Directory.Exists(inputSpec))
        {
            return Path.GetFullPath(inputSpec);
        }

        return Path.GetDirectoryName(Path.GetFullPath(inputSpec)) ?? Path.GetFullPath(".");
    }

    private static string RelativeName(string root, string image) =>
        PathContainment.Contains(root, image) ? Path.GetRelativePath(root, image) : Path.GetFileName(image);
}
