using System.Diagnostics;

namespace Synomaly.Infra.Tests;

/// <summary>
/// Runs `bicep snapshot` on a copy of the templates, as the build does for the golden files, but with a test's own
/// environment variables (which the parameter files read) and, where given, a parameter file of its own: predictions for
/// values the golden files do not cover.
/// </summary>
internal static class TemplatePrediction
{
    /// <param name="parameterFile">The parameter file by name without extension (for example main.dev).</param>
    /// <param name="environment">Variables to set for bicep; a null value removes the variable.</param>
    /// <param name="parameterFileText">Written as that parameter file in the copy, replacing a file of that name.</param>
    public static PredictionResult Run(string parameterFile, IReadOnlyDictionary<string, string?> environment, string? parameterFileText = null)
    {
        var work = Directory.CreateTempSubdirectory("synomaly-infra-");
        try
        {
            CopyTemplates(InfraFiles.InfraDirectory, work.FullName);
            var parameterPath = Path.Combine(work.FullName, parameterFile + ".bicepparam");
            if (parameterFileText is not null)
            {
                File.WriteAllText(parameterPath, parameterFileText);
            }

            var start = new ProcessStartInfo(InfraFiles.BicepPath)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                ArgumentList =
                {
                    "snapshot", parameterPath, "--mode", "overwrite",
                    "--tenant-id", Guid.Empty.ToString(), "--subscription-id", Guid.Empty.ToString(),
                    "--resource-group", "rg-synomaly", "--location", "swedencentral", "--deployment-name", "main",
                },
            };
            foreach (var (name, value) in environment)
            {
                if (value is null)
                {
                    start.Environment.Remove(name);
                }
                else
                {
                    start.Environment[name] = value;
                }
            }

            start.Environment["NO_COLOR"] = "1";
            using var bicep = Process.Start(start)!;
            var standardError = bicep.StandardError.ReadToEndAsync();
            var standardOutput = bicep.StandardOutput.ReadToEnd();
            bicep.WaitForExit();
            var output = standardOutput + standardError.GetAwaiter().GetResult();
            var snapshot = Path.Combine(work.FullName, parameterFile + ".snapshot.json");
            var deployment = bicep.ExitCode == 0 && File.Exists(snapshot)
                ? PredictedDeployment.Parse(parameterFile, File.ReadAllText(snapshot))
                : null;
            return new PredictionResult(bicep.ExitCode, output, deployment);
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    private static void CopyTemplates(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*.*", SearchOption.AllDirectories)
            .Where(f => Path.GetExtension(f) is ".bicep" or ".bicepparam" or ".json")
            .Where(f => !Path.GetRelativePath(from, f).Split(Path.DirectorySeparatorChar)[0].Equals("snapshots", StringComparison.Ordinal))
            .Where(f => Path.GetRelativePath(from, f).Split(Path.DirectorySeparatorChar)[0] is not ("bin" or "obj")))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}

/// <summary>What `bicep snapshot` answered: its exit code, its output, and the prediction when it succeeded.</summary>
internal sealed record PredictionResult(int ExitCode, string Output, PredictedDeployment? Deployment);
