using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Sas;

namespace Synomaly.Functions.Services.Uploads;

/// <summary>
/// Issues SAS URLs for single blobs. In Azure (identity-based client, no account key) it signs with a user delegation
/// key, so the SAS can never exceed what the app's identity may do and is revoked with it; on Azurite (connection string
/// with the well-known key) it signs a service SAS with the key. Thread-safe.
/// </summary>
public class BlobSasIssuer(BlobServiceClient service, TimeProvider clock)
{
    /// <summary>Back-dating the start covers clock skew between this app and the storage service.</summary>
    private static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    /// <summary>User delegation keys are reused for up to this long (one request per hour instead of one per SAS).</summary>
    private static readonly TimeSpan DelegationKeyLifetime = TimeSpan.FromHours(1);

    private readonly SemaphoreSlim keyLock = new(1, 1);
    private UserDelegationKey? delegationKey;

    public virtual async Task<Uri> IssueAsync(BlobClient blob, BlobSasPermissions permissions, DateTimeOffset expiresOn, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(blob);
        var builder = new BlobSasBuilder(permissions, expiresOn)
        {
            BlobContainerName = blob.BlobContainerName,
            BlobName = blob.Name,
            Resource = "b",
            StartsOn = clock.GetUtcNow() - ClockSkew,
            Protocol = blob.Uri.Scheme == Uri.UriSchemeHttps ? SasProtocol.Https : SasProtocol.HttpsAndHttp,
        };
        if (blob.CanGenerateSasUri)
        {
            return blob.GenerateSasUri(builder);
        }

        var key = await GetDelegationKeyAsync(expiresOn, cancellationToken).ConfigureAwait(false);
        return new BlobUriBuilder(blob.Uri) { Sas = builder.ToSasQueryParameters(key, service.AccountName) }.ToUri();
    }

    private async Task<UserDelegationKey> GetDelegationKeyAsync(DateTimeOffset needUntil, CancellationToken cancellationToken)
    {
        await keyLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (delegationKey is null || delegationKey.SignedExpiresOn < needUntil)
            {
                var now = clock.GetUtcNow();
                var expires = needUntil > now + DelegationKeyLifetime ? needUntil : now + DelegationKeyLifetime;
                delegationKey = (await service.GetUserDelegationKeyAsync(now - ClockSkew, expires, cancellationToken).ConfigureAwait(false)).Value;
            }

            return delegationKey;
        }
        finally
        {
            keyLock.Release();
        }
    }
}
