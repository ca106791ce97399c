namespace Synomaly.Infra.Tests;

/// <summary>The Functions app runs on Flex Consumption with its user-assigned identity for the host and the package.</summary>
public sealed class FunctionAppTests
{
    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Function_app_runs_dotnet_isolated_on_flex_consumption(string parameterFile)
    {
        var deployment = PredictedDeployment.Load(parameterFile);
        var plan = deployment.Single("Microsoft.Web/serverfarms");
        var site = deployment.Single("Microsoft.Web/sites");

        Assert.Equal("FC1", plan.String("sku.name"));
        Assert.Equal("FlexConsumption", plan.String("sku.tier"));
        Assert.Equal(plan.Id, site.String("properties.serverFarmId"));
        Assert.Equal("dotnet-isolated", site.String("properties.functionAppConfig.runtime.name"));
        Assert.Equal("functions", site.String("tags.azd-service-name"));
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Function_app_deploys_its_package_with_its_user_assigned_identity(string parameterFile)
    {
        var site = PredictedDeployment.Load(parameterFile).Single("Microsoft.Web/sites");
        var identities = site.At("identity.userAssignedIdentities").EnumerateObject().Select(i => i.Name).ToList();
        var authentication = site.At("properties.functionAppConfig.deployment.storage.authentication");

        Assert.Equal("UserAssigned", site.String("identity.type"));
        var identity = Assert.Single(identities);
        Assert.Contains("/userAssignedIdentities/id-func-", identity, StringComparison.Ordinal);
        Assert.Equal("UserAssignedIdentity", authentication.GetProperty("type").GetString());
        Assert.Equal(identity, authentication.GetProperty("userAssignedIdentityResourceId").GetString());
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Flex_consumption_gets_no_settings_it_rejects(string parameterFile)
    {
        var settings = PredictedDeployment.Load(parameterFile).Single("Microsoft.Web/sites/config").Properties;

        // Flex Consumption takes the runtime from functionAppConfig and refuses these classic settings.
        Assert.False(settings.TryGetProperty("FUNCTIONS_WORKER_RUNTIME", out _));
        Assert.False(settings.TryGetProperty("FUNCTIONS_EXTENSION_VERSION", out _));
        Assert.False(settings.TryGetProperty("WEBSITE_RUN_FROM_PACKAGE", out _));
        Assert.False(settings.TryGetProperty("AzureWebJobsStorage", out _));
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Event_grid_publishes_the_scan_data_account_events(string parameterFile)
    {
        var deployment = PredictedDeployment.Load(parameterFile);
        var topic = deployment.Single("Microsoft.EventGrid/systemTopics");
        var scanAccount = deployment.Single("Microsoft.Storage/storageAccounts", "stscan");

        Assert.Equal(scanAccount.Id, topic.String("properties.source"));
        Assert.Equal("Microsoft.Storage.StorageAccounts", topic.String("properties.topicType"));
        Assert.Equal(topic.Name, deployment.Outputs["EVENTGRID_SYSTEM_TOPIC_NAME"].GetString());
    }
}
