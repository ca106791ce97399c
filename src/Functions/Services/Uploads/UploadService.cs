using Azure;
using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Synomaly.Contracts;
using Synomaly.Functions.Options;
using Synomaly.Storage;

namespace Synomaly.Functions.Services.Uploads;

/// <summary>
/// Creates a scan id and a SAS URL that can only create and write the one blob scans/{scanId}/{file}, for minutes.
/// The SAS cannot read, list or delete, so a leaked URL exposes no scan.
/// </summary>
public sealed partial class UploadService(BlobServiceClient blobs, BlobSasIssuer sas, IOptions<IntakeOptions> options, TimeProvider clock, ILogger<UploadService> logger)
{
    public const BlobSasPermissions UploadPermissions = BlobSasPermissions.Create | BlobSasPermissions.Write;

    public async Task<UploadTicket> CreateAsync(string? clientFileName, CancellationToken cancellationToken)
    {
        // A random id is right here: it names a new upload, and retries of the whole upload get a fresh one.
        var scanId = Guid.NewGuid().ToString("D");
        var blob = blobs.GetBlobContainerClient(BlobLayout.ScansContainer)
            .GetBlobClient(BlobLayout.UploadPath(scanId, UploadFileName.FromClientName(clientFileName)));
        var expiresOn = clock.GetUtcNow().AddMinutes(options.Value.UploadSasMinutes);
        Uri url;
        try
        {
            url = await sas.IssueAsync(blob, UploadPermissions, expiresOn, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RequestFailedException or AuthenticationFailedException)
        {
            // The user delegation key (or the identity's token behind it) was refused: left unhandled it was a bare 500
            // with no problem body, and a portal could not tell an outage to wait out from a bug.
            var unavailable = new UploadUrlUnavailableException(e);
            if (e is RequestFailedException { Status: 403 })
            {
                // Still a 503 (docs/API.md), but no outage to wait out: the operator the 5xx alert calls must learn the role.
                LogDelegationKeyDenied(unavailable.Cause);
            }
            else if (e is RequestFailedException { Status: 401 } || (e is AuthenticationFailedException token && TransientIdentityFailure.CauseOf(token) is null))
            {
                // No managed identity, a wrong client id, a token storage does not take: lasting until mended, as erasure's
                // TokenUnavailable; a token withheld for a passing reason is the outage Warning below.
                LogTokenUnavailable(unavailable.Cause);
            }
            else
            {
                LogSasRefused(unavailable.Cause);
            }

            throw unavailable;
        }

        LogIssued(scanId, expiresOn);
        return new UploadTicket(scanId, url, expiresOn);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "No upload SAS could be signed ({Cause}): the user delegation key or the identity's token was refused")]
    private partial void LogSasRefused(string cause);

    [LoggerMessage(Level = LogLevel.Error, Message = "No upload SAS could be signed ({Cause}): storage denied the app a user delegation key. The Functions identity needs the role Storage Blob Delegator on the scan-data account (docs/API.md, \"Roles the Functions identity needs\"; AuthorizationFailure: a firewall or network rule refuses the app instead). Every upload is answered 503 until it is granted")]
    private partial void LogDelegationKeyDenied(string cause);

    [LoggerMessage(Level = LogLevel.Error, Message = "No upload SAS could be signed ({Cause}): the app's identity has no token storage accepts (none could be got, or storage refused it: 401), and will not until its managed identity is mended (assigned to the app, the client id in its settings right). Every upload is answered 503 until then")]
    private partial void LogTokenUnavailable(string cause);

    [LoggerMessage(Level = LogLevel.Information, Message = "Scan {ScanId}: upload SAS issued, valid until {ExpiresOn}")]
    private partial void LogIssued(string scanId, DateTimeOffset expiresOn);
}
