namespace Synomaly.Cli.Local;

/// <summary>Finds the repository root (the folder holding Synomaly.Cloud.sln) from the working or program directory.</summary>
public static class RepositoryPaths
{
    public static string FindRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Synomaly.Cloud.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        throw new DirectoryNotFoundException("Run synomaly from inside the Synomaly.Cloud repository (no Synomaly.Cloud.sln found above the current folder).");
    }

    /// <summary>A path from the command line: absolute as given, relative to the repository root otherwise.</summary>
    public static string Resolve(string root, string path) => Path.IsPathRooted(path) ? path : Path.Combine(root, path);
}
