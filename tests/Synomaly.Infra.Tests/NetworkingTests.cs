namespace Synomaly.Infra.Tests;

/// <summary>With private networking on (the production parameters), data and messaging are reachable only privately.</summary>
public sealed class NetworkingTests
{
    private const string Production = "main.prod";
    private const string Development = "main.dev";

    [Fact]
    public void Production_closes_public_access_to_the_host_storage_service_bus_and_registry()
    {
        var deployment = PredictedDeployment.Load(Production);

        Assert.Equal("Disabled", deployment.Single("Microsoft.Storage/storageAccounts", "stfunc").String("properties.publicNetworkAccess"));
        Assert.Equal("Disabled", deployment.Single("Microsoft.ServiceBus/namespaces").String("properties.publicNetworkAccess"));
        Assert.Equal("Disabled", deployment.Single("Microsoft.ContainerRegistry/registries").String("properties.publicNetworkAccess"));
        Assert.Equal("Premium", deployment.Single("Microsoft.ServiceBus/namespaces").String("sku.name"));
        Assert.Equal("Premium", deployment.Single("Microsoft.ContainerRegistry/registries").String("sku.name"));
    }

    [Fact]
    public void Production_scan_data_firewall_denies_by_default()
    {
        var account = PredictedDeployment.Load(Production).Single("Microsoft.Storage/storageAccounts", "stscan");

        // Browsers upload with SAS URLs, so only the configured client ranges (and private endpoints) get through.
        Assert.Equal("Deny", account.String("properties.networkAcls.defaultAction"));
    }

    [Fact]
    public void Production_reaches_every_data_and_messaging_service_through_a_private_endpoint_in_its_dns_zone()
    {
        var deployment = PredictedDeployment.Load(Production);
        var endpoints = deployment.OfType("Microsoft.Network/privateEndpoints");
        var zoneGroups = deployment.OfType("Microsoft.Network/privateEndpoints/privateDnsZoneGroups");
        var targets = endpoints.Select(e =>
        {
            var connection = Assert.Single(e.At("properties.privateLinkServiceConnections").EnumerateArray()).GetProperty("properties");
            var target = connection.GetProperty("privateLinkServiceId").GetString()!.Split('/')[^1];
            return $"{target[..Math.Min(6, target.Length)]}:{Assert.Single(connection.GetProperty("groupIds").EnumerateArray()).GetString()}";
        }).Order().ToList();

        Assert.Equal(endpoints.Count, zoneGroups.Count);
        Assert.Contains(targets, t => t.StartsWith("stscan", StringComparison.Ordinal) && t.EndsWith(":blob", StringComparison.Ordinal));
        Assert.Contains(targets, t => t.StartsWith("stscan", StringComparison.Ordinal) && t.EndsWith(":table", StringComparison.Ordinal));
        Assert.Contains(targets, t => t.StartsWith("stscan", StringComparison.Ordinal) && t.EndsWith(":queue", StringComparison.Ordinal));
        Assert.Contains(targets, t => t.StartsWith("stfunc", StringComparison.Ordinal) && t.EndsWith(":blob", StringComparison.Ordinal));
        Assert.Contains(targets, t => t.StartsWith("stfunc", StringComparison.Ordinal) && t.EndsWith(":queue", StringComparison.Ordinal));
        Assert.Contains(targets, t => t.StartsWith("stfunc", StringComparison.Ordinal) && t.EndsWith(":table", StringComparison.Ordinal));
        Assert.Contains(targets, t => t.StartsWith("sb-", StringComparison.Ordinal) && t.EndsWith(":namespace", StringComparison.Ordinal));
        Assert.Contains(targets, t => t.StartsWith("cr", StringComparison.Ordinal) && t.EndsWith(":registry", StringComparison.Ordinal));
        Assert.Equal(5, deployment.OfType("Microsoft.Network/privateDnsZones").Count);
        Assert.Equal(5, deployment.OfType("Microsoft.Network/privateDnsZones/virtualNetworkLinks").Count);
    }

    [Fact]
    public void Production_runs_the_functions_and_the_worker_inside_the_virtual_network()
    {
        var deployment = PredictedDeployment.Load(Production);
        var site = deployment.Single("Microsoft.Web/sites");
        var environment = deployment.Single("Microsoft.App/managedEnvironments");

        Assert.Contains("/subnets/snet-functions", site.String("properties.virtualNetworkSubnetId"), StringComparison.Ordinal);
        Assert.Contains("/subnets/snet-container-apps", environment.String("properties.vnetConfiguration.infrastructureSubnetId"), StringComparison.Ordinal);
        Assert.True(environment.Bool("properties.vnetConfiguration.internal"));
    }

    [Fact]
    public void Development_has_no_private_network_and_keeps_identity_only_public_endpoints()
    {
        var deployment = PredictedDeployment.Load(Development);

        Assert.Empty(deployment.OfType("Microsoft.Network/virtualNetworks"));
        Assert.Empty(deployment.OfType("Microsoft.Network/privateEndpoints"));
        Assert.False(deployment.Single("Microsoft.Web/sites").Has("properties.virtualNetworkSubnetId"));
    }
}
