using System.Text.Json;
using Synomaly.Contracts;

namespace Synomaly.Infra.Tests;

/// <summary>The GPU worker runs on serverless GPU, scales 0..N on the queue with a managed identity, and is probed.</summary>
public sealed class GpuWorkerAppTests
{
    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Keda_rule_scales_on_the_scan_jobs_queue_with_a_managed_identity_and_no_secret(string parameterFile)
    {
        var deployment = PredictedDeployment.Load(parameterFile);
        var app = deployment.Single("Microsoft.App/containerApps");
        var serviceBus = deployment.Single("Microsoft.ServiceBus/namespaces");
        var rule = Assert.Single(app.At("properties.template.scale.rules").EnumerateArray());
        var custom = rule.GetProperty("custom");
        var identity = custom.GetProperty("identity").GetString()!;

        Assert.Equal("azure-servicebus", custom.GetProperty("type").GetString());
        Assert.Equal(BlobLayout.ScanJobsQueue, custom.GetProperty("metadata").GetProperty("queueName").GetString());
        Assert.Equal(serviceBus.Name, custom.GetProperty("metadata").GetProperty("namespace").GetString());
        Assert.False(custom.TryGetProperty("auth", out var auth) && auth.ValueKind == JsonValueKind.Array && auth.GetArrayLength() > 0,
            "The scale rule must authenticate with its identity, not a secret.");
        Assert.Contains("/Microsoft.ManagedIdentity/userAssignedIdentities/id-scaler-", identity, StringComparison.Ordinal);
        Assert.Contains(app.At("identity.userAssignedIdentities").EnumerateObject(), i => i.Name == identity);

        // Queue owner for the platform's scale rule only: the container (which parses untrusted scans) gets no token for it.
        var settings = Assert.Single(app.At("properties.configuration.identitySettings").EnumerateArray(), s => s.GetProperty("identity").GetString() == identity);
        Assert.Equal("None", settings.GetProperty("lifecycle").GetString());
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Worker_scales_to_zero_and_is_bounded(string parameterFile)
    {
        var scale = PredictedDeployment.Load(parameterFile).Single("Microsoft.App/containerApps").At("properties.template.scale");

        Assert.Equal(0, scale.GetProperty("minReplicas").GetInt32());
        Assert.InRange(scale.GetProperty("maxReplicas").GetInt32(), 1, 100);
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Worker_runs_on_the_serverless_gpu_profile_of_its_environment(string parameterFile)
    {
        var deployment = PredictedDeployment.Load(parameterFile);
        var app = deployment.Single("Microsoft.App/containerApps");
        var environment = deployment.Single("Microsoft.App/managedEnvironments");
        var profileName = app.String("properties.workloadProfileName");
        var profile = Assert.Single(environment.At("properties.workloadProfiles").EnumerateArray(),
            p => p.GetProperty("name").GetString() == profileName);

        Assert.Equal(environment.Id, app.String("properties.environmentId"));
        Assert.StartsWith("Consumption-GPU-", profile.GetProperty("workloadProfileType").GetString(), StringComparison.Ordinal);
        Assert.Equal("azure-monitor", environment.String("properties.appLogsConfiguration.destination"));
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Worker_pulls_its_image_with_its_own_identity(string parameterFile)
    {
        var app = PredictedDeployment.Load(parameterFile).Single("Microsoft.App/containerApps");
        var registry = Assert.Single(app.At("properties.configuration.registries").EnumerateArray());

        Assert.Contains("/userAssignedIdentities/id-worker-", registry.GetProperty("identity").GetString(), StringComparison.Ordinal);
        Assert.False(registry.TryGetProperty("passwordSecretRef", out _));
        Assert.False(registry.TryGetProperty("username", out _));
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Worker_is_probed_on_healthz_and_readyz_and_has_resources(string parameterFile)
    {
        var container = Assert.Single(PredictedDeployment.Load(parameterFile).Single("Microsoft.App/containerApps")
            .At("properties.template.containers").EnumerateArray());
        var probes = container.GetProperty("probes").EnumerateArray()
            .ToDictionary(p => p.GetProperty("type").GetString()!, p => p.GetProperty("httpGet").GetProperty("path").GetString());

        Assert.Equal("/healthz", probes["Liveness"]);
        Assert.Equal("/readyz", probes["Readiness"]);
        Assert.Equal("/healthz", probes["Startup"]);
        Assert.True(container.GetProperty("resources").GetProperty("cpu").GetDouble() >= 4);
        Assert.EndsWith("Gi", container.GetProperty("resources").GetProperty("memory").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Every_probe_setting_is_within_the_range_container_apps_accepts(string parameterFile)
    {
        // The documented ranges of ContainerAppProbe (Microsoft.App/containerApps): a value outside one rejects the
        // deployment, which neither the bicep compiler nor the linter notices.
        var ranges = new Dictionary<string, (int Min, int Max)>
        {
            ["failureThreshold"] = (1, 10),
            ["successThreshold"] = (1, 10),
            ["periodSeconds"] = (1, 240),
            ["timeoutSeconds"] = (1, 240),
            ["initialDelaySeconds"] = (1, 60),
        };
        var container = Assert.Single(PredictedDeployment.Load(parameterFile).Single("Microsoft.App/containerApps")
            .At("properties.template.containers").EnumerateArray());
        var probes = container.GetProperty("probes").EnumerateArray().ToList();

        Assert.Equal(3, probes.Count);
        foreach (var probe in probes)
        {
            foreach (var (setting, (min, max)) in ranges)
            {
                if (probe.TryGetProperty(setting, out var value))
                {
                    Assert.True(value.GetInt32() >= min && value.GetInt32() <= max,
                        $"The {probe.GetProperty("type").GetString()} probe's {setting} is {value.GetInt32()}; Container Apps accepts {min}..{max}.");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Worker_is_not_reachable_through_ingress(string parameterFile)
    {
        var app = PredictedDeployment.Load(parameterFile).Single("Microsoft.App/containerApps");

        Assert.False(app.Has("properties.configuration.ingress"), "The worker only pulls from the queue; it needs no ingress.");
    }
}
