using System.Diagnostics;

namespace Synomaly.Infra.Tests;

/// <summary>
/// A deployment without a worker image is refused unless it is an environment's first: the template sets the worker's
/// image on every deployment, so an empty one would silently roll a running worker back to the placeholder.
/// </summary>
public sealed class WorkerImageTests
{
    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void A_deployment_without_a_worker_image_is_refused_naming_the_setting(string parameterFile)
    {
        var (exitCode, output) = Predict(parameterFile, firstDeployment: false);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("workerImage is empty", output, StringComparison.Ordinal);
        Assert.Contains("SERVICE_GPUWORKER_IMAGE_NAME", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void The_first_deployment_may_run_the_placeholder_image(string parameterFile)
    {
        var (exitCode, output) = Predict(parameterFile, firstDeployment: true);

        Assert.True(exitCode == 0, output);
    }

    /// <summary>Runs `bicep snapshot` on a copy of the templates with no worker image, as the build does for the golden files.</summary>
    private static (int ExitCode, string Output) Predict(string parameterFile, bool firstDeployment)
    {
        var work = Directory.CreateTempSubdirectory("synomaly-infra-");
        try
        {
            CopyTemplates(InfraFiles.InfraDirectory, work.FullName);
            var start = new ProcessStartInfo(InfraFiles.BicepPath)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                ArgumentList =
                {
                    "snapshot", Path.Combine(work.FullName, parameterFile + ".bicepparam"), "--mode", "overwrite",
                    "--tenant-id", Guid.Empty.ToString(), "--subscription-id", Guid.Empty.ToString(),
                    "--resource-group", "rg-synomaly", "--location", "swedencentral", "--deployment-name", "main",
                },
            };
            start.Environment.Remove("SERVICE_GPUWORKER_IMAGE_NAME");
            start.Environment["SYNOMALY_FIRST_DEPLOYMENT"] = firstDeployment ? "true" : "false";
            start.Environment["NO_COLOR"] = "1";
            using var bicep = Process.Start(start)!;
            var standardError = bicep.StandardError.ReadToEndAsync();
            var standardOutput = bicep.StandardOutput.ReadToEnd();
            bicep.WaitForExit();
            return (bicep.ExitCode, standardOutput + standardError.GetAwaiter().GetResult());
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
