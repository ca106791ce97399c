using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Synomaly.Contracts;
using Synomaly.Functions.Extensions;
using Synomaly.Functions.Services.Status;

namespace Synomaly.Functions.Tests;

public sealed class ApiJsonTests
{
    [Fact]
    public void Api_responses_name_states_and_formats_in_camel_case_json()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ScansStorage"] = "UseDevelopmentStorage=true",
            ["Intake:ModelVersion"] = "v1",
            ["Intake:Transport"] = "InMemory",
            ["AzureWebJobs.ScanUploadedPolling.Disabled"] = "true",
        }).Build();
        using var provider = new ServiceCollection().AddSynomalyFunctions(configuration).BuildServiceProvider();
        var json = provider.GetRequiredService<IOptions<Microsoft.AspNetCore.Mvc.JsonOptions>>().Value.JsonSerializerOptions;

        var text = JsonSerializer.Serialize(
            new ScanSummary("s-1", "v1", JobState.Succeeded, JobOrigin.Bulk, DateTimeOffset.UnixEpoch, null, null), json);

        Assert.Contains("\"state\":\"Succeeded\"", text, StringComparison.Ordinal);
        Assert.Contains("\"origin\":\"Bulk\"", text, StringComparison.Ordinal);
        Assert.Contains("\"scanId\":\"s-1\"", text, StringComparison.Ordinal);
    }
}
