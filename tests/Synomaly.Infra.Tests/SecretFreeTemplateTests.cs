using System.Text.Json;
using System.Text.RegularExpressions;

namespace Synomaly.Infra.Tests;

/// <summary>No key, secret or connection string is read, built, output or handed to an app.</summary>
public sealed partial class SecretFreeTemplateTests
{
    // Functions that return keys or secrets, and the markers of key-based connection strings.
    private static readonly string[] KeyMaterialMarkers =
    [
        "listKeys", "listConnectionStrings", "listCredentials", "listSecrets", "listAccountSas", "listServiceSas",
        "listAuthKeys", "AccountKey=", "SharedAccessKey", "SharedAccessSignature", "DefaultEndpointsProtocol",
    ];

    [Fact]
    public void Compiled_template_never_reads_or_builds_key_material()
    {
        var template = InfraFiles.CompiledTemplateText;

        Assert.All(KeyMaterialMarkers, marker => Assert.DoesNotContain(marker, template, StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Predicted_deployment_carries_no_key_material(string parameterFile)
    {
        var text = File.ReadAllText(Path.Combine(InfraFiles.SnapshotDirectory, parameterFile + ".snapshot.json"));

        Assert.All(KeyMaterialMarkers, marker => Assert.DoesNotContain(marker, text, StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Template_outputs_are_plain_strings_named_for_names_ids_and_endpoints()
    {
        using var template = InfraFiles.CompiledTemplate();
        var outputs = template.RootElement.GetProperty("outputs").EnumerateObject().ToList();

        Assert.NotEmpty(outputs);
        Assert.All(outputs, output =>
        {
            Assert.Equal("string", output.Value.GetProperty("type").GetString());
            Assert.Matches(UpperSnakeCase(), output.Name);
            Assert.DoesNotMatch(SecretLikeName(), output.Name);
        });
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void Predicted_outputs_are_names_resource_ids_host_names_or_urls(string parameterFile)
    {
        var outputs = PredictedDeployment.Load(parameterFile).Outputs;

        Assert.All(outputs, output =>
        {
            var value = output.Value.GetString()!;
            if (value.StartsWith('['))
            {
                // Known only at deployment time: must read one of the public endpoint properties.
                Assert.Matches(EndpointPropertyReference(), value);
            }
            else
            {
                Assert.DoesNotContain('=', value);
                Assert.DoesNotContain(';', value);
            }
        });
    }

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void No_resource_holds_a_secret_or_a_secret_reference(string parameterFile)
    {
        var deployment = PredictedDeployment.Load(parameterFile);
        var app = deployment.Single("Microsoft.App/containerApps");

        Assert.False(app.Has("properties.configuration.secrets"), "The worker needs no Container Apps secrets: every connection uses its identity.");
        Assert.DoesNotContain("secretRef", app.Element.GetRawText(), StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("passwordSecretRef", app.Element.GetRawText(), StringComparison.OrdinalIgnoreCase);
    }

    [GeneratedRegex("^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$")]
    private static partial Regex UpperSnakeCase();

    [GeneratedRegex(@"\.(loginServer|defaultHostName|primaryEndpoints\.blob|serviceBusEndpoint)\b")]
    private static partial Regex EndpointPropertyReference();

    [GeneratedRegex("(?i)(key|secret|password|connectionstring|sas|token)")]
    private static partial Regex SecretLikeName();
}
