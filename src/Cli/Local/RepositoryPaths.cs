using System.CommandLine;

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

        throw new LocalSetupException("Run synomaly from inside the Synomaly.Cloud repository (no Synomaly.Cloud.sln found above the current folder).");
    }

    /// <summary>A path: absolute as given, relative to the repository root otherwise.</summary>
    public static string Resolve(string root, string path) => Path.IsPathRooted(path) ? path : Path.Combine(root, path);

    /// <summary>
    /// A path option's value: one given on the command line is relative to the current folder, as every other verb reads
    /// its paths (a user's `demo --model run1/model` from their data folder was looked for under the repository); the
    /// default (samples, models/brain-mri-demo, out/demo) names a place in the repository, relative to its root.
    /// </summary>
    public static string Resolve(string root, ParseResult parse, Option<string> option)
    {
        ArgumentNullException.ThrowIfNull(parse);
        string path = parse.GetValue(option)!;
        return parse.GetResult(option) is { Implicit: false } ? Path.GetFullPath(path) : Resolve(root, path);
    }
}
