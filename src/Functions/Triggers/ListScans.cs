using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Synomaly.Functions.Http;
using Synomaly.Functions.Security;
using Synomaly.Functions.Services.Status;
using Synomaly.Storage;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Triggers;

/// <summary><c>GET /api/scans?status=&amp;since=&amp;pageSize=&amp;continuation=</c>: one page of jobs.</summary>
public sealed class ListScans(ScanStatusService status, ApiAuthorization authorization, ILogger<ListScans> logger)
{
    [Function(nameof(ListScans))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "scans")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (authorization.Refusal(request, nameof(ListScans)) is { } refusal)
        {
            return refusal;
        }

        if (!QueryParameters.TryParseList(request.Query, out var state, out var since, out var pageSize, out var error))
        {
            return Problems.BadRequest(error!);
        }

        try
        {
            return new OkObjectResult(await status.ListAsync(state, since, request.Query["continuation"].ToString(), pageSize, cancellationToken));
        }
        catch (FormatException e)
        {
            return Problems.BadRequest(e.Message);
        }
        catch (JobTableMissingException e)
        {
            return logger.JobTableMissing(request, nameof(ListScans), e);
        }
        catch (Exception e) when (TransientStorageFailure.Of(e, cancellationToken) is { } failure)
        {
            return logger.StorageUnavailable(request, nameof(ListScans), failure);
        }
    }
}
