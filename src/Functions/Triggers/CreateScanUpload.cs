using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Synomaly.Functions.Http;
using Synomaly.Functions.Security;
using Synomaly.Functions.Services.Uploads;

namespace Synomaly.Functions.Triggers;

/// <summary>
/// <c>POST /api/scans</c>: a new scan id and a write-only SAS URL for its one upload blob; 503 with Retry-After when
/// storage will not let the app sign one.
/// </summary>
public sealed class CreateScanUpload(UploadService uploads, ApiAuthorization authorization)
{
    [Function(nameof(CreateScanUpload))]
    public async Task<IActionResult> Run(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "scans")] HttpRequest request,
        CancellationToken cancellationToken)
    {
        if (authorization.Refusal(request, nameof(CreateScanUpload)) is { } refusal)
        {
            return refusal;
        }

        var (body, error) = await JsonBody.ReadAsync<CreateScanUploadRequest>(request, "{\"fileName\": \"scan.nii.gz\"} (or empty)", cancellationToken);
        if (error is not null)
        {
            return Problems.BadRequest(error);
        }

        UploadTicket ticket;
        try
        {
            ticket = await uploads.CreateAsync(body?.FileName, cancellationToken);
        }
        catch (UploadUrlUnavailableException e)
        {
            return Problems.UploadUrlUnavailable(request.HttpContext.Response, e);
        }

        return new CreatedResult($"/api/scans/{ticket.ScanId}", new CreateScanUploadResponse(
            ticket.ScanId,
            ticket.UploadUrl,
            ticket.ExpiresOn,
            "PUT",
            new Dictionary<string, string> { ["x-ms-blob-type"] = "BlockBlob" }));
    }
}

/// <param name="FileName">Only its extension is used (file names can hold patient data).</param>
public sealed record CreateScanUploadRequest(string? FileName);

public sealed record CreateScanUploadResponse(string ScanId, Uri UploadUrl, DateTimeOffset ExpiresOn, string Method, IReadOnlyDictionary<string, string> RequiredHeaders);
