namespace Synomaly.Infra.Tests;

/// <summary>
/// The option settings the templates give the apps are keys the apps' options classes actually bind (read from the built
/// Synomaly.Functions and Synomaly.GpuWorker assemblies), so a renamed property cannot silently orphan a setting.
/// </summary>
public sealed class BoundOptionsTests
{
    private static IReadOnlySet<string> FunctionsKeys => BoundOptions.Read(InfraFiles.FunctionsAssembly);

    private static IReadOnlySet<string> WorkerKeys => BoundOptions.Read(InfraFiles.GpuWorkerAssembly);

    [Fact]
    public void Options_classes_are_found_in_both_apps()
    {
        var functions = FunctionsKeys;
        var worker = WorkerKeys;

        Assert.Contains("Intake__ModelVersion", functions);
        Assert.Contains("Bulk__Schedule", functions);
        Assert.Contains("Api__RequireAppRoles", functions); // set by the templates when apiAuthClientId is given
        Assert.Contains("Worker__QueueName", worker);
        Assert.Contains("Model__Version", worker);
        Assert.DoesNotContain("Worker__MaxBatchWait", worker); // a computed TimeSpan without a setter is not a setting
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Every_functions_option_the_template_sets_is_bound_by_the_functions_app(string parameterFile)
    {
        var keys = FunctionsKeys;
        var options = PredictedDeployment.Load(parameterFile).Single("Microsoft.Web/sites/config").Properties.EnumerateObject()
            .Select(p => p.Name).Where(name => name.StartsWith("Intake__", StringComparison.Ordinal) || name.StartsWith("Bulk__", StringComparison.Ordinal) || name.StartsWith("Expiry__", StringComparison.Ordinal) || name.StartsWith("Api__", StringComparison.Ordinal))
            .ToList();

        Assert.NotEmpty(options);
        Assert.All(options, name => Assert.Contains(name, keys));
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Every_worker_option_the_template_sets_is_bound_by_the_worker(string parameterFile)
    {
        var keys = WorkerKeys;
        var container = Assert.Single(PredictedDeployment.Load(parameterFile).Single("Microsoft.App/containerApps")
            .At("properties.template.containers").EnumerateArray());
        var options = container.GetProperty("env").EnumerateArray().Select(e => e.GetProperty("name").GetString()!)
            .Where(name => name.StartsWith("Worker__", StringComparison.Ordinal) || name.StartsWith("Model__", StringComparison.Ordinal))
            .ToList();

        Assert.NotEmpty(options);
        Assert.All(options, name => Assert.Contains(name, keys));
    }
}
