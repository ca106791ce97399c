using System.Text.Json;

namespace Synomaly.Infra.Tests;

/// <summary>
/// Browsers PUT scans to the upload SAS URL with x-ms-blob-type (docs/API.md), a header that needs a CORS preflight: the
/// scan-data blob service must admit the upload portals' origins, and only those, or no browser upload gets through.
/// </summary>
public sealed class UploadCorsTests
{
    /// <summary>Headers a portal sends with an upload: the ones docs/API.md names and those the Storage SDKs add.</summary>
    private static readonly string[] UploadHeaders =
        ["x-ms-blob-type", "x-ms-meta-modality", "x-ms-access-tier", "x-ms-version", "x-ms-date", "x-ms-client-request-id", "content-type", "content-md5"];

    [Theory]
    [MemberData(nameof(InfraFiles.ParameterFileData), MemberType = typeof(InfraFiles))]
    public void The_scan_blob_service_admits_the_upload_portal_origins_to_put_a_scan(string parameterFile)
    {
        var origins = UploadPortalOrigins(parameterFile);
        var blobService = PredictedDeployment.Load(parameterFile).Single("Microsoft.Storage/storageAccounts/blobServices", "stscan");
        var rule = Assert.Single(blobService.At("properties.cors.corsRules").EnumerateArray());

        Assert.NotEmpty(origins);
        Assert.All(origins, origin => Assert.DoesNotContain("*", origin, StringComparison.Ordinal));
        Assert.Equal(origins, Strings(rule, "allowedOrigins"));
        Assert.Equal(["GET", "HEAD", "PUT"], Strings(rule, "allowedMethods").Order(StringComparer.Ordinal));
        Assert.All(UploadHeaders, header => Assert.True(Admits(Strings(rule, "allowedHeaders"), header), $"{header} is not an allowed header."));
        Assert.True(Admits(Strings(rule, "exposedHeaders"), "etag"));
        Assert.True(Admits(Strings(rule, "exposedHeaders"), "x-ms-request-id"));
        Assert.Equal(3600, rule.GetProperty("maxAgeInSeconds").GetInt32());
    }

    [Theory]
    [InlineData("*")]
    [InlineData("https://*.hospital.example")]
    [InlineData("https://portal.hospital.example/")]
    [InlineData("https://portal.hospital.example/upload")]
    [InlineData("https://Portal.hospital.example")]
    [InlineData("portal.hospital.example")]
    public void An_origin_with_a_wildcard_or_that_no_browser_sends_is_refused_naming_the_parameter(string origin)
    {
        var result = TemplatePrediction.Run("main.cors", new Dictionary<string, string?>(), Parameters($"'https://portal.hospital.example', '{origin}'"));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("uploadPortalOrigins (SYNOMALY_UPLOAD_PORTAL_ORIGINS) takes browser origins", result.Output, StringComparison.Ordinal);
        Assert.Contains($"refused: {origin}", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_upload_portal_origins_the_blob_service_has_no_cors_rule()
    {
        var result = TemplatePrediction.Run("main.cors", new Dictionary<string, string?>(), Parameters(""));
        Assert.True(result.Deployment is not null, result.Output);
        var blobService = result.Deployment.Single("Microsoft.Storage/storageAccounts/blobServices", "stscan");

        Assert.Empty(blobService.At("properties.cors.corsRules").EnumerateArray());
    }

    [Fact]
    public void The_parameter_files_read_the_origins_from_the_documented_setting()
    {
        var deploy = File.ReadAllText(Path.Combine(Synomaly.Testing.TestPaths.RepositoryRoot, "docs", "DEPLOY.md"));

        Assert.All(InfraFiles.ParameterFiles, parameterFile => Assert.Contains(
            "readEnvironmentVariable('SYNOMALY_UPLOAD_PORTAL_ORIGINS'",
            File.ReadAllText(Path.Combine(InfraFiles.InfraDirectory, parameterFile + ".bicepparam")), StringComparison.Ordinal));
        Assert.Contains("SYNOMALY_UPLOAD_PORTAL_ORIGINS", deploy, StringComparison.Ordinal);
        Assert.Contains("no wildcard", deploy, StringComparison.Ordinal);
    }

    /// <summary>The origins the build compiled into the parameter file (the environment the golden snapshots predict).</summary>
    private static List<string> UploadPortalOrigins(string parameterFile)
    {
        using var parameters = JsonDocument.Parse(File.ReadAllText(Path.Combine(InfraFiles.ArmDirectory, parameterFile + ".parameters.json")));
        return [.. parameters.RootElement.GetProperty("parameters").GetProperty("uploadPortalOrigins").GetProperty("value")
            .EnumerateArray().Select(o => o.GetString()!)];
    }

    /// <summary>Whether a CORS header list admits a header: by name, or by a prefix ending in '*' (case-insensitive).</summary>
    private static bool Admits(IEnumerable<string> patterns, string header) => patterns.Any(p => p.EndsWith('*')
        ? header.StartsWith(p[..^1], StringComparison.OrdinalIgnoreCase)
        : string.Equals(p, header, StringComparison.OrdinalIgnoreCase));

    private static List<string> Strings(JsonElement rule, string name) => [.. rule.GetProperty(name).EnumerateArray().Select(e => e.GetString()!)];

    private static string Parameters(string origins) => $"""
        using 'main.bicep'
        param environmentName = 'test'
        param modelVersion = 'v1'
        param firstDeployment = true
        param uploadPortalOrigins = [{origins}]
        """;
}
