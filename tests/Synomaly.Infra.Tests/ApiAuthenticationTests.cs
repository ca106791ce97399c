using System.Text.Json;
using System.Text.RegularExpressions;
using Synomaly.Testing;

namespace Synomaly.Infra.Tests;

/// <summary>
/// apiAuthClientId (SYNOMALY_API_CLIENT_ID in the parameter files) puts App Service Authentication with Entra ID in front
/// of the HTTP API and turns on the app's role check (Api__RequireAppRoles), which trusts X-MS-CLIENT-PRINCIPAL only
/// behind it. Without it neither is deployed, and function keys stay the only gate.
/// </summary>
public sealed partial class ApiAuthenticationTests
{
    private const string ApiClientId = "6f1c2a4e-0b7d-4c1e-9a57-3d2e8b9f1a20";
    private const string OtherTenantId = "9d0e4b71-5c3a-4f26-8e1d-b2a7c6f05e93";

    private static readonly Dictionary<string, PredictedDeployment> Protected = [];

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Without_an_api_client_id_the_app_gets_no_app_service_authentication_and_no_role_check(string parameterFile)
    {
        // The golden snapshots predict each parameter file without SYNOMALY_API_CLIENT_ID.
        var deployment = PredictedDeployment.Load(parameterFile);

        Assert.DoesNotContain(deployment.OfType("Microsoft.Web/sites/config"), IsAuthSettings);
        Assert.False(AppSettings(deployment).ContainsKey("Api__RequireAppRoles"));
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void With_an_api_client_id_only_bearer_tokens_for_the_api_get_through_and_health_and_the_blob_webhook_stay_open(string parameterFile)
    {
        var auth = AuthSettings(ProtectedDeployment(parameterFile));
        var entraId = auth.At("properties.identityProviders.azureActiveDirectory");

        Assert.True(auth.Bool("properties.platform.enabled"));
        Assert.True(auth.Bool("properties.globalValidation.requireAuthentication"));
        Assert.Equal("Return401", auth.String("properties.globalValidation.unauthenticatedClientAction"));
        Assert.Equal(["/api/health", "/runtime/webhooks/blobs"], Strings(auth.At("properties.globalValidation.excludedPaths")));
        Assert.True(entraId.GetProperty("enabled").GetBoolean());
        Assert.Equal(ApiClientId, entraId.GetProperty("registration").GetProperty("clientId").GetString());
        Assert.Equal(V2Issuer(Guid.Empty.ToString()), entraId.GetProperty("registration").GetProperty("openIdIssuer").GetString());
        Assert.Equal([ApiClientId, "api://" + ApiClientId], Strings(entraId.GetProperty("validation").GetProperty("allowedAudiences")));
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void With_an_api_client_id_event_grid_still_reaches_the_webhook_the_subscription_script_points_it_at(string parameterFile)
    {
        // Event Grid sends no Entra ID token, only the blobs_extension key in the URL: behind authentication the
        // subscription's validation handshake and every BlobCreated delivery would get 401, and intake would stop.
        var excluded = Strings(AuthSettings(ProtectedDeployment(parameterFile)).At("properties.globalValidation.excludedPaths"));

        Assert.Contains(EventGridWebhookPath(), excluded);
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void With_an_api_client_id_no_secret_is_configured_and_no_token_is_stored(string parameterFile)
    {
        var auth = AuthSettings(ProtectedDeployment(parameterFile));
        var registration = auth.At("properties.identityProviders.azureActiveDirectory.registration");

        // Validating bearer tokens needs no client secret; only a sign-in flow (which an API has no use for) would.
        Assert.Equal(["clientId", "openIdIssuer"], registration.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.False(auth.Bool("properties.login.tokenStore.enabled"));
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void With_an_api_client_id_the_app_checks_app_roles_and_every_setting_stays_documented(string parameterFile)
    {
        var settings = AppSettings(ProtectedDeployment(parameterFile));
        var contract = SettingsContract.Load();

        Assert.Equal("true", settings["Api__RequireAppRoles"]);
        Assert.All(settings.Keys, name => Assert.Contains(name, contract.Documented));
    }

    [Fact]
    public void An_application_id_uri_instead_of_the_client_id_is_refused_naming_the_parameter()
    {
        var result = TemplatePrediction.Run("main.dev", new Dictionary<string, string?>
        {
            ["SYNOMALY_API_CLIENT_ID"] = "api://" + ApiClientId,
            ["SYNOMALY_FIRST_DEPLOYMENT"] = "true",
        });

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("apiAuthClientId (SYNOMALY_API_CLIENT_ID) must be the client id", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_api_registration_may_live_in_another_tenant()
    {
        const string parameters = $"""
            using 'main.bicep'
            param environmentName = 'test'
            param modelVersion = 'v1'
            param firstDeployment = true
            param apiAuthClientId = '{ApiClientId}'
            param apiAuthTenantId = '{OtherTenantId}'
            """;
        var result = TemplatePrediction.Run("main.tenant", new Dictionary<string, string?>(), parameters);
        Assert.True(result.Deployment is not null, result.Output);
        var auth = AuthSettings(result.Deployment);

        Assert.Equal(V2Issuer(OtherTenantId), auth.String("properties.identityProviders.azureActiveDirectory.registration.openIdIssuer"));
    }

    [Fact]
    public void The_role_check_is_switched_on_only_after_app_service_authentication()
    {
        // Until authentication runs, a role check would trust any X-MS-CLIENT-PRINCIPAL header a caller sends.
        using var template = InfraFiles.CompiledTemplate();
        var functionApp = template.RootElement.GetProperty("resources").EnumerateObject()
            .Single(r => r.Value.GetProperty("name").GetString() == "function-app").Value;
        var resources = functionApp.GetProperty("properties").GetProperty("template").GetProperty("resources").EnumerateObject().ToList();
        string SymbolOf(string configName) =>
            resources.Single(r => r.Value.GetProperty("name").GetString()!.Contains($"'{configName}'", StringComparison.Ordinal)).Name;
        var appSettings = resources.Single(r => r.Name == SymbolOf("appsettings")).Value;

        Assert.Contains(SymbolOf("authsettingsV2"), Strings(appSettings.GetProperty("dependsOn")));
    }

    /// <summary>The issuer as the template writes it: the cloud's sign-in endpoint is known only when it is deployed.</summary>
    private static string V2Issuer(string tenantId) =>
        $"[format('{{0}}{{1}}/v2.0', environment().authentication.loginEndpoint, '{tenantId}')]";

    /// <summary>The parameter file's deployment with SYNOMALY_API_CLIENT_ID set, as azd would pass it.</summary>
    private static PredictedDeployment ProtectedDeployment(string parameterFile)
    {
        lock (Protected)
        {
            if (!Protected.TryGetValue(parameterFile, out var deployment))
            {
                var result = TemplatePrediction.Run(parameterFile, new Dictionary<string, string?>
                {
                    ["SYNOMALY_API_CLIENT_ID"] = ApiClientId,
                    ["SYNOMALY_FIRST_DEPLOYMENT"] = "true",
                });
                Assert.True(result.Deployment is not null, result.Output);
                deployment = result.Deployment;
                Protected[parameterFile] = deployment;
            }

            return deployment;
        }
    }

    private static PredictedResource AuthSettings(PredictedDeployment deployment) =>
        Assert.Single(deployment.OfType("Microsoft.Web/sites/config"), IsAuthSettings);

    private static bool IsAuthSettings(PredictedResource config) => config.Name.EndsWith("/authsettingsV2", StringComparison.Ordinal);

    private static Dictionary<string, string> AppSettings(PredictedDeployment deployment) =>
        deployment.OfType("Microsoft.Web/sites/config").Single(c => c.Name.EndsWith("/appsettings", StringComparison.Ordinal))
            .Properties.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal);

    private static List<string> Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    /// <summary>The path of the endpoint scripts/eventgrid-subscription.sh subscribes, without its query (key and function).</summary>
    private static string EventGridWebhookPath()
    {
        var script = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "scripts", "eventgrid-subscription.sh"));
        var endpoint = WebhookEndpoint().Match(script);
        Assert.True(endpoint.Success, "scripts/eventgrid-subscription.sh sets no endpoint on the function app's host name.");
        return endpoint.Groups["path"].Value;
    }

    [GeneratedRegex("endpoint=\"https://\\$\\{AZURE_FUNCTION_APP_HOSTNAME\\}(?<path>/[^?\"]*)")]
    private static partial Regex WebhookEndpoint();
}
