using System.CommandLine;

namespace Synomaly.Cli.Local;

/// <summary>
/// Finds the repository root (the folder holding Synomaly.Cloud.sln): the one <see cref="RepositoryVariable"/> names, or
/// else the first above the working directory, then above the program's own.
/// </summary>
public static class RepositoryPaths
{
    /// <summary>
    /// Names the checkout the local commands (demo, up, soak, bench) take their samples, scripts and built hosts from.
    /// scripts/demo.sh sets it to its own: it builds that checkout and runs the CLI from the caller's folder, which may lie
    /// in another checkout, and the working directory, looked at first, would have picked that one.
    /// </summary>
    public const string RepositoryVariable = "SYNOMALY_REPOSITORY";

    private const string SolutionFile = "Synomaly.Cloud.sln";

    public static string FindRoot() => FindRoot(Environment.GetEnvironmentVariable(RepositoryVariable), Environment.CurrentDirectory, AppContext.BaseDirectory);

    /// <param name="named">The value of <see cref="RepositoryVariable"/>: when set, the root, never looked past.</param>
    /// <param name="starts">Where to look from otherwise, in order (by hand: the working directory first, then the program's).</param>
    /// <exception cref="LocalSetupException">The named folder holds no solution, or none lies above any start.</exception>
    public static string FindRoot(string? named, params string[] starts)
    {
        ArgumentNullException.ThrowIfNull(starts);
        if (!string.IsNullOrEmpty(named))
        {
            // Refused rather than looked past: a script that names its checkout must not run another one's hosts.
            string root = Path.GetFullPath(named);
            return File.Exists(Path.Combine(root, SolutionFile))
                ? root
                : throw new LocalSetupException($"{RepositoryVariable} names {root}, which holds no {SolutionFile}; unset it, or name the repository's root.");
        }

        foreach (var start in starts)
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, SolutionFile)))
                {
                    return dir.FullName;
                }
            }
        }

        throw new LocalSetupException($"Run synomaly from inside the Synomaly.Cloud repository (no {SolutionFile} found above the current folder).");
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
