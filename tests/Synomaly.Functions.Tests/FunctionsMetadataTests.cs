using System.Text.Json;
using Synomaly.Testing;

namespace Synomaly.Functions.Tests;

public sealed class FunctionsMetadataTests
{
    private static JsonElement[] LoadMetadata()
    {
        var path = Path.Combine(BuildOutputs.Get(typeof(FunctionsMetadataTests).Assembly, "FunctionsOutputDirectory"), "functions.metadata");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return [.. document.RootElement.EnumerateArray().Select(e => e.Clone())];
    }

    [Fact]
    public void Health_is_an_anonymous_get_on_the_health_route()
    {
        var health = Assert.Single(LoadMetadata(), f => f.GetProperty("name").GetString() == "Health");
        var trigger = Assert.Single(health.GetProperty("bindings").EnumerateArray(), b => b.GetProperty("type").GetString() == "httpTrigger");
        Assert.Equal("health", trigger.GetProperty("route").GetString());
        Assert.Equal("Anonymous", trigger.GetProperty("authLevel").GetString());
    }
}
