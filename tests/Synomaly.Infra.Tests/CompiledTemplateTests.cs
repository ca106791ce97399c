using System.Text.Json;
using Synomaly.Testing;

namespace Synomaly.Infra.Tests;

public sealed class CompiledTemplateTests
{
    private static JsonDocument LoadArm(string file) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(BuildOutputs.Get(typeof(CompiledTemplateTests).Assembly, "ArmOutputDirectory"), file)));

    [Fact]
    public void Scan_storage_disables_shared_keys_and_public_access_and_requires_tls_1_2()
    {
        using var arm = LoadArm("main.json");
        var resources = arm.RootElement.GetProperty("resources");
        // Templates compile to a resource array, or to an object keyed by symbolic name (language version 2.0).
        var list = resources.ValueKind == JsonValueKind.Array ? resources.EnumerateArray().ToList() : resources.EnumerateObject().Select(p => p.Value).ToList();
        var storage = list.Single(r => r.GetProperty("type").GetString() == "Microsoft.Storage/storageAccounts");
        var properties = storage.GetProperty("properties");
        Assert.False(properties.GetProperty("allowSharedKeyAccess").GetBoolean());
        Assert.False(properties.GetProperty("allowBlobPublicAccess").GetBoolean());
        Assert.Equal("TLS1_2", properties.GetProperty("minimumTlsVersion").GetString());
    }
}
