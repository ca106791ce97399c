using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Synomaly.Contracts;
using Synomaly.Functions.Http;
using Synomaly.Functions.Security;
using Synomaly.Functions.Services.Status;
using Synomaly.Storage;
using Synomaly.Storage.Jobs;

namespace Synomaly.Functions.Triggers;

/// <summary>
/// <c>GET /api/scans/{scanId}?modelVersion=</c>: status, timings, error and read-only result links. A portal reads upload
/// scans; an archive scan's only an operator (<see cref="Security.ApiAuthorization"/>, by the catalog's entry).
/// </summary>
public sealed partial class GetScanStatus(ScanStatusService status, ApiAuthorization authorization, ILogger<GetScanStatus> logger)
{
    [Function(nameof(GetScanStatus))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "scans/{scanId}")] HttpRequest request,
        string scanId,
        CancellationToken cancellationToken)
    {
        var normalized = RouteScanId.Normalize(scanId);
        if (authorization.Refusal(request, nameof(GetScanStatus), normalized ?? scanId) is { } refusal)
        {
            return refusal;
        }

        if (normalized is not { } id)
        {
            return Problems.InvalidId("scanId");
        }

        scanId = id;

        string modelVersion = request.Query["modelVersion"].ToString();
        if (modelVersion.Length > 0 && !BlobLayout.IsValidModelVersion(modelVersion))
        {
            return Problems.BadRequest($"'modelVersion' must be {BlobLayout.ModelVersionRule}.");
        }

        ScanStatus? result;
        try
        {
            result = await status.GetAsync(scanId, modelVersion, cancellationToken);
        }
        catch (InvalidJobRecordException e)
        {
            LogUnreadable(e.ScanId, e.ModelVersion, e.Field);
            return Problems.UnreadableJobRecord(e);
        }
        catch (JobTableMissingException e)
        {
            return logger.JobTableMissing(request, nameof(GetScanStatus), e);
        }
        catch (Exception e) when (TransientStorageFailure.Of(e, cancellationToken) is { } failure)
        {
            return logger.StorageUnavailable(request, nameof(GetScanStatus), failure);
        }

        return result is null
            ? Problems.NotFound($"No job for scan {scanId} and this model version (unknown id, or the upload has not arrived yet).")
            : new OkObjectResult(result);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Scan {ScanId} ({ModelVersion}): its job record cannot be read by this version (stored {Field}); answered 500")]
    private partial void LogUnreadable(string scanId, string modelVersion, string field);
}
