using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Synomaly.Functions.Extensions;
using Synomaly.Functions.Options;

namespace Synomaly.Functions.Tests;

public sealed class OptionsTests
{
    private static IntakeOptions Resolve(Dictionary<string, string?> settings)
    {
        settings.TryAdd("ScansStorage", "UseDevelopmentStorage=true");
        settings.TryAdd("Intake:Transport", "InMemory");
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var provider = new ServiceCollection().AddSynomalyFunctions(configuration).BuildServiceProvider();
        return provider.GetRequiredService<IOptions<IntakeOptions>>().Value;
    }

    private static Dictionary<string, string?> Local() => new()
    {
        ["Intake:ModelVersion"] = "v1",
        ["Intake:BlobTriggerSource"] = "LogsAndContainerScan",
        ["AzureWebJobs.ScanUploaded.Disabled"] = "true",
    };

    [Fact]
    public void The_local_settings_shape_validates()
    {
        var options = Resolve(Local());
        Assert.Equal(BlobTriggerSourceSetting.LogsAndContainerScan, options.BlobTriggerSource);
        Assert.Equal(2L * 1024 * 1024 * 1024, options.MaxScanBytes);
    }

    [Fact]
    public void A_missing_model_version_fails_validation_naming_it()
    {
        var settings = Local();
        settings.Remove("Intake:ModelVersion");
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(settings));
        Assert.Contains("ModelVersion", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("v1/2")]
    [InlineData("..")]
    [InlineData("v 1")]
    public void A_model_version_unsafe_in_paths_and_table_keys_fails_validation_naming_the_rule(string version)
    {
        var settings = Local();
        settings["Intake:ModelVersion"] = version;
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(settings));
        Assert.Contains("Intake:ModelVersion must be letters, digits", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Intake:UploadSasMinutes")]
    [InlineData("Intake:ResultSasMinutes")]
    public void A_link_lifetime_over_an_hour_fails_validation_naming_it(string setting)
    {
        var settings = Local();
        settings[setting] = "61";
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(settings));
        Assert.Contains(setting.Split(':')[1], error.Message, StringComparison.Ordinal);

        settings[setting] = "60";
        Resolve(settings);
    }

    [Fact]
    public void Both_blob_triggers_enabled_fails_validation()
    {
        var settings = Local();
        settings.Remove("AzureWebJobs.ScanUploaded.Disabled");
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(settings));
        Assert.Contains("AzureWebJobs.ScanUploaded.Disabled=true", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Event_grid_with_its_own_function_disabled_fails_validation()
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(new()
        {
            ["Intake:ModelVersion"] = "v1",
            ["Intake:BlobTriggerSource"] = "EventGrid",
            ["AzureWebJobs.ScanUploaded.Disabled"] = "true",
            ["AzureWebJobs.ScanUploadedPolling.Disabled"] = "true",
        }));
        Assert.Contains("AzureWebJobs.ScanUploaded.Disabled is true", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_repository_local_settings_file_passes_the_same_validation()
    {
        var path = Path.Combine(Synomaly.Testing.TestPaths.RepositoryRoot, "local.settings.json");
        using var document = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
        var values = document.RootElement.GetProperty("Values").EnumerateObject()
            .ToDictionary(p => p.Name.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value.GetString());
        var options = Resolve(values);
        Assert.Equal(BlobTriggerSourceSetting.LogsAndContainerScan, options.BlobTriggerSource);
        Assert.Equal(Synomaly.Storage.Messaging.ScanJobTransport.StorageQueue, options.Transport);
    }

    [Fact]
    public void The_repository_local_settings_name_the_shipped_demo_model_and_its_version()
    {
        // A host run with these settings enqueues jobs for this name and version; the worker finds only what is shipped.
        var root = Synomaly.Testing.TestPaths.RepositoryRoot;
        using var settings = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "local.settings.json")));
        var values = settings.RootElement.GetProperty("Values");
        string name = values.GetProperty("Intake__ModelName").GetString()!;
        using var card = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "models", name, "model-card.json")));
        Assert.Equal(name, card.RootElement.GetProperty("name").GetString());
        Assert.Equal(card.RootElement.GetProperty("version").GetString(), values.GetProperty("Intake__ModelVersion").GetString());
    }
}
