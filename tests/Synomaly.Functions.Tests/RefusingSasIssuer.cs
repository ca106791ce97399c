using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using Synomaly.Functions.Services.Uploads;

namespace Synomaly.Functions.Tests;

/// <summary>
/// The SAS issuer of an app whose request for a user delegation key storage refuses (an outage, or the identity lost its
/// role): Azurite signs with the account key and never asks for one, so the refusal is raised here.
/// </summary>
internal sealed class RefusingSasIssuer(BlobServiceClient blobs, Exception refusal) : BlobSasIssuer(blobs, TimeProvider.System)
{
    public override Task<Uri> IssueAsync(BlobClient blob, BlobSasPermissions permissions, DateTimeOffset expiresOn, CancellationToken cancellationToken) =>
        Task.FromException<Uri>(refusal);
}
