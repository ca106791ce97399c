using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Synomaly.Functions.Http;
using Synomaly.Functions.Security;
using Synomaly.Functions.Services.Intake;
using Synomaly.Functions.Services.Jobs;
using Synomaly.Functions.Services.Status;
using Synomaly.Storage;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Triggers;

/// <summary>
/// <c>POST /api/scans/{scanId}/retry</c>: a Failed upload goes through intake again; 202 with its status, 409 when intake
/// took nothing in (the upload changed under it), or 503 when its job could not be published (the job stays Failed with
/// its earlier reason, and the retry can be repeated).
/// </summary>
public sealed partial class RetryScan(ScanRetryService retry, ScanStatusService status, ApiAuthorization authorization, ILogger<RetryScan> logger)
{
    [Function(nameof(RetryScan))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "scans/{scanId}/retry")] HttpRequest request,
        string scanId,
        CancellationToken cancellationToken)
    {
        if (authorization.Refusal(request, nameof(RetryScan)) is { } refusal)
        {
            return refusal;
        }

        if (RouteScanId.Normalize(scanId) is not { } id)
        {
            return Problems.InvalidId("scanId");
        }

        scanId = id;

        RetryResult result;
        ScanStatus? resubmitted = null;
        try
        {
            result = await retry.RetryAsync(scanId, cancellationToken);
            if (result.Outcome == RetryOutcome.Resubmitted)
            {
                resubmitted = await status.GetAsync(scanId, null, cancellationToken);
            }
        }
        catch (JobPublishFailedException e)
        {
            return Problems.PublishFailed(request.HttpContext.Response, e);
        }
        catch (InvalidJobRecordException e)
        {
            // The same answer as GET /api/scans/{scanId}, rather than the host's bare 500: the record is left as it is.
            LogUnreadable(e.ScanId, e.ModelVersion, e.Field);
            return Problems.UnreadableJobRecord(e);
        }
        catch (JobTableMissingException e)
        {
            return logger.JobTableMissing(request, nameof(RetryScan), e);
        }
        catch (Exception e) when (TransientStorageFailure.Of(e, cancellationToken) is { } failure)
        {
            return logger.StorageUnavailable(request, nameof(RetryScan), failure);
        }

        return result.Outcome switch
        {
            RetryOutcome.Resubmitted => new AcceptedResult($"/api/scans/{scanId}", resubmitted),
            RetryOutcome.NoJob => Problems.NotFound($"No job for scan {scanId} and the current model version."),
            RetryOutcome.UploadGone => Problems.NotFound($"The upload of scan {scanId} is no longer in the scans container; upload it again."),
            RetryOutcome.NotTakenIn => Problems.Create(StatusCodes.Status409Conflict, "Not retried.", $"Nothing was resubmitted: the upload of scan {scanId} was deleted or replaced while the retry read it, or its folder holds no file intake takes. The job is still {result.Record!.State}. A replaced upload is taken in on its own; otherwise repeat the retry (404 once the upload is gone)."),
            RetryOutcome.AlreadyHandled => Problems.Create(StatusCodes.Status409Conflict, "Not retried.", $"Another request took the upload of scan {scanId} in while this retry read it (another retry, or the upload's own event); this retry resubmitted nothing. The job is {result.Record!.State}; GET /api/scans/{scanId} shows where it stands."),
            RetryOutcome.Erased => Problems.NotFound($"Scan {scanId} was erased while the retry ran; nothing was resubmitted."),
            RetryOutcome.NotFailed => Problems.Create(StatusCodes.Status409Conflict, "Nothing to retry.", $"The job of scan {scanId} is {result.Record!.State}; only Failed jobs are retried."),
            _ => Problems.Create(StatusCodes.Status409Conflict, "Not an upload.", $"Scan {scanId} comes from the archive; POST /api/reprocess resubmits archive scans."),
        };
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Scan {ScanId} ({ModelVersion}): its job record cannot be read by this version (stored {Field}); the retry answered 500")]
    private partial void LogUnreadable(string scanId, string modelVersion, string field);
}
