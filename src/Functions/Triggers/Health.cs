using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Synomaly.Functions.Triggers;

/// <summary>Liveness probe for the Functions app: answers without touching storage or the queue.</summary>
public sealed class Health
{
    [Function(nameof(Health))]
    public IActionResult Run([HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "health")] HttpRequest request) =>
        new OkObjectResult(new HealthStatus("ok"));
}

/// <summary>The health probe's answer: <c>{"status": "ok"}</c>.</summary>
public sealed record HealthStatus(string Status);
