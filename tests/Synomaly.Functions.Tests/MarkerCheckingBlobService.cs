using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Synomaly.Functions.Tests;

/// <summary>
/// Azurite's blob service with one behaviour of Azure's that Azurite lacks: a listing marker the service did not issue is
/// refused with 400 (Azure answers <c>OutOfRangeInput</c>; Azurite reads any marker as a blob name and lists on from it,
/// Azure/Azurite issues 644 and 1494). Markers can also go stale in Azure as blobs come and go. Everything else is the
/// real client against Azurite.
/// </summary>
internal sealed class MarkerCheckingBlobService : BlobServiceClient
{
    private readonly string connectionString;
    private readonly string refusedMarker;

    public MarkerCheckingBlobService(string connectionString, string refusedMarker)
        : base(connectionString)
    {
        this.connectionString = connectionString;
        this.refusedMarker = refusedMarker;
    }

    public override BlobContainerClient GetBlobContainerClient(string blobContainerName) =>
        new MarkerCheckingContainer(connectionString, blobContainerName, refusedMarker);

    private sealed class MarkerCheckingContainer(string connectionString, string name, string refusedMarker) : BlobContainerClient(connectionString, name)
    {
        public override AsyncPageable<BlobItem> GetBlobsAsync(BlobTraits traits = BlobTraits.None, BlobStates states = BlobStates.None, string? prefix = null, CancellationToken cancellationToken = default) =>
            new MarkerCheckingPageable(base.GetBlobsAsync(traits, states, prefix, cancellationToken), refusedMarker);

        public override AsyncPageable<BlobItem> GetBlobsAsync(GetBlobsOptions options, CancellationToken cancellationToken = default) =>
            new MarkerCheckingPageable(base.GetBlobsAsync(options, cancellationToken), refusedMarker);
    }

    private sealed class MarkerCheckingPageable(AsyncPageable<BlobItem> inner, string refusedMarker) : AsyncPageable<BlobItem>
    {
        public override IAsyncEnumerable<Page<BlobItem>> AsPages(string? continuationToken = null, int? pageSizeHint = null) =>
            continuationToken == refusedMarker ? Refuse() : inner.AsPages(continuationToken, pageSizeHint);

        private static async IAsyncEnumerable<Page<BlobItem>> Refuse()
        {
            await Task.Yield();
            throw new RequestFailedException(400, "One of the request inputs is out of range.", "OutOfRangeInput", null);
#pragma warning disable CS0162 // The iterator needs a yield to be one; the throw above always wins.
            yield break;
#pragma warning restore CS0162
        }
    }
}
