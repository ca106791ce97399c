using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Synomaly.Functions.Http;
using Synomaly.Functions.Security;
using Synomaly.Functions.Services.Bulk;
using Synomaly.Storage;

namespace Synomaly.Functions.Triggers;

/// <summary><c>POST /api/reprocess</c> {prefix, modelVersion, dryRun, retryErrorCodes}: starts a bulk run; 202 with its id.</summary>
public sealed class StartReprocess(BulkReprocessService bulk, ApiAuthorization authorization, TimeProvider clock, ILogger<StartReprocess> logger)
{
    [Function(nameof(StartReprocess))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "reprocess")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (authorization.Refusal(request, nameof(StartReprocess)) is { } refusal)
        {
            return refusal;
        }

        var (body, error) = await JsonBody.ReadAsync<BulkRunRequest>(request, "{\"prefix\": \"2024/\", \"modelVersion\": \"v1\", \"dryRun\": true, \"retryErrorCodes\": [\"StorageUnavailable\"]} (or empty)", cancellationToken);
        if (error is not null)
        {
            return Problems.BadRequest(error);
        }

        try
        {
            var run = await bulk.StartAsync(body ?? new BulkRunRequest(null, null, false), cancellationToken);
            return new AcceptedResult($"/api/reprocess/{run.RunId}", BulkRunProgress.From(run, clock.GetUtcNow()));
        }
        catch (InvalidBulkRunRequestException e)
        {
            return Problems.BadRequest(e.Message);
        }
        catch (BulkRunNotStartedException e)
        {
            // The unstarted run's record was removed; a new POST starts another run (a new id).
            return Problems.RunNotStarted(request.HttpContext.Response, e);
        }
        catch (BulkRunTableMissingException e)
        {
            return logger.BulkRunTableMissing(request, nameof(StartReprocess), e);
        }
        catch (Exception e) when (TransientStorageFailure.Of(e, cancellationToken) is { } failure)
        {
            return logger.StorageUnavailable(request, nameof(StartReprocess), failure);
        }
    }
}
