using System.Text.Json;
using System.Xml;
using Synomaly.Contracts;

namespace Synomaly.Infra.Tests;

/// <summary>The settings the templates give the apps are the names the apps bind (docs/SETTINGS.md), all identity-based.</summary>
public sealed class SettingsContractTests
{
    private static readonly string[] FunctionsConnections = ["AzureWebJobsStorage", "ScansStorage", "Messaging"];
    private static readonly string[] WorkerConnections = ["ScansStorage", "Messaging"];

    [Fact]
    public void Settings_document_lists_the_identity_based_connections()
    {
        var contract = SettingsContract.Load();

        Assert.All(FunctionsConnections, connection =>
        {
            var names = contract.Connections[connection];
            Assert.Contains(connection + "__credential", names);
            Assert.Contains(connection + "__clientId", names);
        });
        Assert.Contains("Intake__ModelVersion", contract.Required);
        Assert.Contains("Model__Version", contract.Required);
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Every_functions_app_setting_is_a_documented_name(string parameterFile)
    {
        var contract = SettingsContract.Load();

        Assert.All(FunctionsSettings(parameterFile).Keys, name => Assert.Contains(name, contract.Documented));
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Every_worker_setting_is_a_documented_name(string parameterFile)
    {
        var contract = SettingsContract.Load();

        Assert.All(WorkerSettings(parameterFile).Keys, name => Assert.Contains(name, contract.Documented));
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Functions_app_connects_to_storage_and_service_bus_with_its_identity_only(string parameterFile)
    {
        var settings = FunctionsSettings(parameterFile);

        AssertIdentityBasedConnections(settings, FunctionsConnections, "id-func-");
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Worker_connects_to_storage_and_service_bus_with_its_identity_only(string parameterFile)
    {
        var settings = WorkerSettings(parameterFile);

        AssertIdentityBasedConnections(settings, WorkerConnections, "id-worker-");
        Assert.Contains("/userAssignedIdentities/id-worker-", settings["AZURE_CLIENT_ID"], StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Options_without_a_usable_default_are_set(string parameterFile)
    {
        var contract = SettingsContract.Load();
        var functions = FunctionsSettings(parameterFile);
        var worker = WorkerSettings(parameterFile);

        Assert.All(contract.Required, name =>
        {
            var value = name.StartsWith("Intake__", StringComparison.Ordinal) || name.StartsWith("Bulk__", StringComparison.Ordinal)
                ? functions.GetValueOrDefault(name)
                : worker.GetValueOrDefault(name);
            Assert.False(string.IsNullOrWhiteSpace(value), $"{name} is required but not set.");
        });
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Functions_and_worker_agree_on_the_queue_the_model_and_the_delivery_bound(string parameterFile)
    {
        var deployment = PredictedDeployment.Load(parameterFile);
        var functions = FunctionsSettings(parameterFile);
        var worker = WorkerSettings(parameterFile);
        var queue = deployment.Single("Microsoft.ServiceBus/namespaces/queues");

        Assert.Equal(BlobLayout.ScanJobsQueue, functions["Intake__QueueName"]);
        Assert.Equal(BlobLayout.ScanJobsQueue, worker["Worker__QueueName"]);
        Assert.Equal(functions["Intake__ModelName"], worker["Model__Name"]);
        Assert.Equal(functions["Intake__ModelVersion"], worker["Model__Version"]);
        // The broker allows one delivery more than the worker's attempts: the worker ends the job Failed and dead-letters
        // it itself, and a crash on its last attempt is still redelivered to a worker instead of being dead-lettered by
        // the broker behind the job record's back (which would leave the job Processing).
        Assert.Equal(queue.At("properties.maxDeliveryCount").GetInt32() - 1, int.Parse(worker["Worker__MaxDeliveryCount"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("ServiceBus", functions["Intake__Transport"]);
        Assert.Equal("ServiceBus", worker["Worker__Transport"]);
        Assert.Equal("Blob", worker["Model__Source"]);
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Event_grid_drives_the_blob_trigger_and_the_polling_twin_is_off(string parameterFile)
    {
        var functions = FunctionsSettings(parameterFile);

        Assert.Equal("EventGrid", functions["Intake__BlobTriggerSource"]);
        Assert.Equal("true", functions["AzureWebJobs.ScanUploadedPolling.Disabled"]);
        Assert.False(functions.ContainsKey("AzureWebJobs.ScanUploaded.Disabled"));
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Platform_waits_longer_than_the_worker_shutdown_deadline_and_locks_are_renewed_past_the_lock_duration(string parameterFile)
    {
        var deployment = PredictedDeployment.Load(parameterFile);
        var worker = WorkerSettings(parameterFile);
        var grace = deployment.Single("Microsoft.App/containerApps").At("properties.template.terminationGracePeriodSeconds").GetInt32();
        var lockDuration = XmlConvert.ToTimeSpan(deployment.Single("Microsoft.ServiceBus/namespaces/queues").String("properties.lockDuration"));
        var renewalMinutes = int.Parse(worker.GetValueOrDefault("Worker__LockRenewalMinutes", "30"), System.Globalization.CultureInfo.InvariantCulture);

        Assert.True(grace > int.Parse(worker["Worker__ShutdownDeadlineSeconds"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(TimeSpan.FromMinutes(renewalMinutes) > lockDuration);
    }

    private static void AssertIdentityBasedConnections(IReadOnlyDictionary<string, string> settings, string[] connections, string identityFragment)
    {
        var contract = SettingsContract.Load();
        Assert.All(connections, connection =>
        {
            Assert.All(contract.Connections[connection], name => Assert.True(settings.ContainsKey(name), $"{name} is not set."));
            Assert.False(settings.ContainsKey(connection), $"{connection} would be a connection string.");
            Assert.Equal("managedidentity", settings[connection + "__credential"]);
            Assert.Contains("/userAssignedIdentities/" + identityFragment, settings[connection + "__clientId"], StringComparison.Ordinal);
        });
        Assert.All(settings, setting => Assert.DoesNotContain("AccountKey", setting.Value, StringComparison.OrdinalIgnoreCase));
        Assert.Equal($"ClientId={{0}};Authorization=AAD", ApplicationInsightsAuthenticationFormat(settings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"]));
    }

    // The value is "[format('ClientId={0};Authorization=AAD', reference(...).clientId)]": keep the format string.
    private static string ApplicationInsightsAuthenticationFormat(string value) =>
        value[(value.IndexOf('\'', StringComparison.Ordinal) + 1)..value.IndexOf("',", StringComparison.Ordinal)];

    private static Dictionary<string, string> FunctionsSettings(string parameterFile) =>
        PredictedDeployment.Load(parameterFile).Single("Microsoft.Web/sites/config").Properties.EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);

    private static Dictionary<string, string> WorkerSettings(string parameterFile)
    {
        var container = Assert.Single(PredictedDeployment.Load(parameterFile).Single("Microsoft.App/containerApps")
            .At("properties.template.containers").EnumerateArray());
        return container.GetProperty("env").EnumerateArray().ToDictionary(
            e => e.GetProperty("name").GetString()!,
            e =>
            {
                Assert.False(e.TryGetProperty("secretRef", out _));
                return e.GetProperty("value").ValueKind == JsonValueKind.String ? e.GetProperty("value").GetString()! : e.GetProperty("value").GetRawText();
            },
            StringComparer.Ordinal);
    }
}
