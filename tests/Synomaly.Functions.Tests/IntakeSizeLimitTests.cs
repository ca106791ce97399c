using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Synomaly.Functions.Extensions;
using Synomaly.Functions.Options;
using Synomaly.Imaging;

namespace Synomaly.Functions.Tests;

/// <summary>
/// Intake accepts no upload the worker would refuse for its size: Intake__MaxScanBytes is capped at the worker's
/// ScanReadLimits.MaxFileBytes, so raising it past that fails at start instead of failing every large job later.
/// </summary>
public sealed class IntakeSizeLimitTests
{
    private static readonly long WorkerLimit = ScanReadLimits.Default.MaxFileBytes;

    private static IntakeOptions Resolve(long maxScanBytes)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ScansStorage"] = "UseDevelopmentStorage=true",
            ["Intake:Transport"] = "InMemory",
            ["Intake:ModelVersion"] = "v1",
            ["Intake:BlobTriggerSource"] = "LogsAndContainerScan",
            ["AzureWebJobs.ScanUploaded.Disabled"] = "true",
            ["Intake:MaxScanBytes"] = maxScanBytes.ToString(CultureInfo.InvariantCulture),
        }).Build();
        using var provider = new ServiceCollection().AddSynomalyFunctions(configuration).BuildServiceProvider();
        return provider.GetRequiredService<IOptions<IntakeOptions>>().Value;
    }

    [Fact]
    public void The_default_upload_limit_is_the_workers_file_limit()
    {
        Assert.Equal(WorkerLimit, new IntakeOptions().MaxScanBytes);
    }

    [Fact]
    public void An_upload_limit_up_to_the_workers_file_limit_is_accepted()
    {
        Assert.Equal(WorkerLimit, Resolve(WorkerLimit).MaxScanBytes);
        Assert.Equal(1024, Resolve(1024).MaxScanBytes);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(long.MaxValue / 2)]
    public void An_upload_limit_above_the_workers_file_limit_fails_validation_naming_the_setting_and_the_cap(long excess)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(WorkerLimit + excess));

        Assert.Contains("Intake:MaxScanBytes", error.Message, StringComparison.Ordinal);
        Assert.Contains(WorkerLimit.ToString(CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }
}
