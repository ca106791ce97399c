using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Synomaly.Functions.Http;
using Synomaly.Functions.Security;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Storage;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Triggers;

/// <summary><c>GET /api/reprocess/{runId}</c>: the progress and counts of a bulk run.</summary>
public sealed class GetReprocessRun(BulkReprocessService bulk, ApiAuthorization authorization, ILogger<GetReprocessRun> logger)
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
            var progress = await bulk.GetProgressAsync(runId, cancellationToken);
            return progress is null ? Problems.NotFound($"No bulk run {runId}.") : new OkObjectResult(progress);
        }
        catch (BulkRunTableMissingException e)
        {
            return logger.BulkRunTableMissing(request, nameof(GetReprocessRun), e);
        }
        catch (JobTableMissingException e)
        {
            // The run's outstanding jobs are looked up in it.
            return logger.JobTableMissing(request, nameof(GetReprocessRun), e);
        }
        catch (Exception e) when (TransientStorageFailure.Of(e, cancellationToken) is { } failure)
        {
            return logger.StorageUnavailable(request, nameof(GetReprocessRun), failure);
        }
    }
}
