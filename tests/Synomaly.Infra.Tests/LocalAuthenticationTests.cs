namespace Synomaly.Infra.Tests;

/// <summary>Every service accepts Entra ID only: shared keys, SAS keys, admin users and local auth are off; TLS 1.2.</summary>
public sealed class LocalAuthenticationTests
{
    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Every_storage_account_refuses_shared_keys_and_public_blobs_and_requires_tls_1_2(string parameterFile)
    {
        var accounts = PredictedDeployment.Load(parameterFile).OfType("Microsoft.Storage/storageAccounts");

        Assert.Equal(2, accounts.Count);
        Assert.All(accounts, account =>
        {
            Assert.False(account.Bool("properties.allowSharedKeyAccess"), $"{account}: shared keys");
            Assert.False(account.Bool("properties.allowBlobPublicAccess"), $"{account}: public blob access");
            Assert.Equal("TLS1_2", account.String("properties.minimumTlsVersion"));
            Assert.True(account.Bool("properties.supportsHttpsTrafficOnly"), $"{account}: plain HTTP");
            Assert.True(account.Bool("properties.defaultToOAuthAuthentication"), $"{account}: portal default auth");
            Assert.False(account.Bool("properties.allowCrossTenantReplication"), $"{account}: cross-tenant replication");
        });
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void No_blob_container_is_public(string parameterFile)
    {
        var containers = PredictedDeployment.Load(parameterFile).OfType("Microsoft.Storage/storageAccounts/blobServices/containers");

        Assert.NotEmpty(containers);
        Assert.All(containers, container => Assert.Equal("None", container.String("properties.publicAccess")));
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Service_bus_refuses_sas_keys_and_requires_tls_1_2(string parameterFile)
    {
        var serviceBus = PredictedDeployment.Load(parameterFile).Single("Microsoft.ServiceBus/namespaces");

        Assert.True(serviceBus.Bool("properties.disableLocalAuth"));
        Assert.Equal("1.2", serviceBus.String("properties.minimumTlsVersion"));
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Application_insights_and_log_analytics_refuse_keys(string parameterFile)
    {
        var deployment = PredictedDeployment.Load(parameterFile);

        Assert.True(deployment.Single("Microsoft.Insights/components").Bool("properties.DisableLocalAuth"));
        Assert.True(deployment.Single("Microsoft.OperationalInsights/workspaces").Bool("properties.features.disableLocalAuth"));
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Container_registry_has_no_admin_user_and_no_anonymous_pull(string parameterFile)
    {
        var registry = PredictedDeployment.Load(parameterFile).Single("Microsoft.ContainerRegistry/registries");

        Assert.False(registry.Bool("properties.adminUserEnabled"));
        Assert.False(registry.Bool("properties.anonymousPullEnabled"));
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Function_app_allows_no_basic_publishing_credentials_and_only_https(string parameterFile)
    {
        var deployment = PredictedDeployment.Load(parameterFile);
        var site = deployment.Single("Microsoft.Web/sites");
        var policies = deployment.OfType("Microsoft.Web/sites/basicPublishingCredentialsPolicies");

        Assert.True(site.Bool("properties.httpsOnly"));
        Assert.Equal("1.2", site.String("properties.siteConfig.minTlsVersion"));
        Assert.Equal("Disabled", site.String("properties.siteConfig.ftpsState"));
        Assert.Equal(["ftp", "scm"], policies.Select(p => p.Name.Split('/')[^1]).Order());
        Assert.All(policies, policy => Assert.False(policy.Bool("properties.allow")));
    }
}
