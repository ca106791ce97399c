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

    private static (int ExitCode, string Output) Predict(string parameterFile, bool firstDeployment)
    {
        var result = TemplatePrediction.Run(parameterFile, new Dictionary<string, string?>
        {
            ["SERVICE_GPUWORKER_IMAGE_NAME"] = null,
            ["SYNOMALY_FIRST_DEPLOYMENT"] = firstDeployment ? "true" : "false",
        });
        return (result.ExitCode, result.Output);
    }
}
