using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Synomaly.Functions.Http;
using Synomaly.Functions.Security;
using Synomaly.Functions.Services.Erasure;
using Synomaly.Storage;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Triggers;

/// <summary>
/// <c>DELETE /api/scans/{scanId}</c>: erases an uploaded scan, its results and their blob versions; the job records stay
/// as tombstones (Failed, <c>Deleted</c>). 200 with what was deleted; 404 when nothing of the scan existed, an upload id
/// closed by a tombstone all the same, an archive id left as it was; an erasure stopped part way answers
/// erasure-incomplete (<see cref="Problems.ErasureIncomplete"/>).
/// </summary>
public sealed class DeleteScan(ScanErasureService erasure, ApiAuthorization authorization, ILogger<DeleteScan> logger)
{
    [Function(nameof(DeleteScan))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "scans/{scanId}")] HttpRequest request,
        string scanId,
        CancellationToken cancellationToken)
    {
        if (authorization.Refusal(request, nameof(DeleteScan)) is { } refusal)
        {
            return refusal;
        }

        if (RouteScanId.Normalize(scanId) is not { } id)
        {
            return Problems.InvalidId("scanId");
        }

        scanId = id;

        try
        {
            var (outcome, erased) = await erasure.EraseAsync(scanId, cancellationToken);
            return outcome switch
            {
                ScanErasureOutcome.Deleted => new OkObjectResult(erased),
                ScanErasureOutcome.NotFound => Problems.NotFound($"Nothing of scan {scanId} existed (no job, no upload, no results); its id is closed all the same: a file uploaded to it later is erased unprocessed."),
                ScanErasureOutcome.ArchiveScanNotRecorded => Problems.NotFound($"Nothing is recorded for archive scan {scanId}, so there is nothing to erase; nothing was changed. An archive scan is processed from its file in the archive: to keep it from being processed, its owner deletes the file there."),
                _ => Problems.Create(StatusCodes.Status409Conflict, "Still in the archive.", $"Scan {scanId} comes from the archive, which still holds it; delete it there, then repeat this request to erase its results.", Problems.ArchiveHoldsSourceType),
            };
        }
        catch (ErasureIncompleteException e)
        {
            return Problems.ErasureIncomplete(request.HttpContext.Response, e);
        }
        catch (JobTableMissingException e)
        {
            return logger.JobTableMissing(request, nameof(DeleteScan), e);
        }
        catch (Exception e) when (TransientStorageFailure.Of(e, cancellationToken) is { } failure)
        {
            return logger.StorageUnavailable(request, nameof(DeleteScan), failure);
        }
    }
}
