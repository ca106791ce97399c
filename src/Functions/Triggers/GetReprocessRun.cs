using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Synomaly.Functions.Http;
using Synomaly.Functions.Security;
using Synomaly.Functions.Services.Bulk;

namespace Synomaly.Functions.Triggers;

/// <summary><c>GET /api/reprocess/{runId}</c>: the progress and counts of a bulk run.</summary>
public sealed class GetReprocessRun(BulkReprocessService bulk, ApiAuthorization authorization, TimeProvider clock, ILogger<GetReprocessRun> logger)
{
    [Function(nameof(GetReprocessRun))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "reprocess/{runId}")] HttpRequest request,
        string runId,
        CancellationToken cancellationToken)
    {
        if (authorization.Refusal(request, nameof(GetReprocessRun)) is { } refusal)
        {
            return refusal;
        }

        if (!BulkRun.IsValidRunId(runId))
        {
            return Problems.InvalidId("runId");
        }

        try
        {
            var run = await bulk.GetAsync(runId, cancellationToken);
            return run is null ? Problems.NotFound($"No bulk run {runId}.") : new OkObjectResult(BulkRunProgress.From(run, clock.GetUtcNow()));
        }
        catch (BulkRunTableMissingException e)
        {
            return logger.BulkRunTableMissing(request, nameof(GetReprocessRun), e);
        }
    }
}
