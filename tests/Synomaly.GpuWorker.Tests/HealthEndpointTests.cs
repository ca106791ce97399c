using System.Net;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Synomaly.GpuWorker.Tests;

public sealed class HealthEndpointTests
{
    [Fact]
    public async Task Liveness_endpoint_answers_ok()
    {
        await using var factory = new WebApplicationFactory<Program>();
        using var client = factory.CreateClient();
        using var response = await client.GetAsync(new Uri("/healthz", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
