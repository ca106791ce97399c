namespace Synomaly.Evaluation;

/// <summary>
/// Pairs training images with their region masks (<c>synomaly train --region-mask &lt;folder&gt;</c>): the mask of an image
/// is the file at the same path in the mask folder as the image has under its input (the folder given, a glob's folder,
/// a manifest's folder), so a mask folder mirrors the data folder; an image listed from elsewhere pairs by file name.
/// </summary>
public static class RegionMaskFiles
{
    /// <summary>The mask of every image, in order; refuses a missing mask folder, missing masks, and masks among the images.</summary>
    public static IReadOnlyList<string> Pair(string inputSpec, IReadOnlyList<string> images, string maskFolder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(inputSpec);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentException.ThrowIfNullOrWhiteSpace(maskFolder);
        if (!Directory.Exists(maskFolder))
        {
            throw new DirectoryNotFoundException($"The region mask folder '{maskFolder}' does not exist.");
        }

        string masks = Path.GetFullPath(maskFolder);
        if (images.Any(image => PathContainment.Contains(masks, image)))
        {
            throw new ArgumentException($"The region mask folder '{maskFolder}' lies inside the training data, so its masks would be trained on as images: move it out.");
        }

        string root = InputRoot(inputSpec);
        var paired = images.Select(image => Path.Combine(masks, RelativeName(root, Path.GetFullPath(image)))).ToList();
        var missing = paired.Where(mask => !File.Exists(mask)).ToList();
        if (missing.Count > 0)
        {
            throw new FileNotFoundException(
                $"{missing.Count} of {images.Count} training images have no region mask (a file with the same relative path in '{maskFolder}'), for example '{missing[0]}'.");
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
