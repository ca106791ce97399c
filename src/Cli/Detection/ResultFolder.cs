namespace Synomaly.Cli.Detection;

/// <summary>
/// Writes one scan's results so that its folder only ever holds one run's files. A run writes into a hidden sibling
/// folder and takes the folder's name only when everything is written: an earlier run's folder of the same name (the same
/// input position and stem, as when a command is run again) is replaced whole, so none of its files (a heatmap the new run
/// did not draw, maps of other slices) stays beside the new report; and a run that fails leaves the earlier results as
/// they were, with no half-written folder.
/// </summary>
public static class ResultFolder
{
    /// <summary>Runs <paramref name="write"/> on a fresh staging folder, then puts that folder at <paramref name="folder"/>.</summary>
    public static T WriteReplacing<T>(string folder, Func<string, T> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(folder);
        string parent = Path.GetDirectoryName(full)!;
        string name = Path.GetFileName(full);
        string staging = Path.Combine(parent, $".{name}.writing-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        try
        {
            T result = write(staging);
            Replace(full, staging, Path.Combine(parent, $".{name}.replaced-{Guid.NewGuid():N}"));
            return result;
        }
        catch
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }

            throw;
        }
    }

    private static void Replace(string folder, string staging, string retired)
    {
        if (!Directory.Exists(folder))
        {
            Directory.Move(staging, folder);
            return;
        }

        // Two renames rather than delete-then-move: the old results are never gone before the new ones are in place.
        Directory.Move(folder, retired);
        try
        {
            Directory.Move(staging, folder);
        }
        catch
        {
            Directory.Move(retired, folder);
            throw;
        }

        Directory.Delete(retired, recursive: true);
    }
}
