using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace Synomaly.Functions.Tests;

/// <summary>
/// An Azurite blob as Azure serves one its holder wrote with a customer-provided key (x-ms-encryption-key on the PUT,
/// which a SAS does not restrict), which Azurite cannot store (it refuses the headers). Every read without the key is
/// refused with 409 BlobUsesCustomerSpecifiedEncryption, its properties included, and the container lists it with the
/// key's SHA-256. Listing and deleting, which need no key, reach the stored blob.
/// </summary>
internal sealed class CustomerKeyEncryptedBlob(string connectionString, string container, string name) : BlobClient(connectionString, container, name)
{
    /// <summary>The SHA-256 of the key, as the listing names it.</summary>
    public const string KeySha256 = "3QFFFpRA5+XANHqwwbT4yXDmrT/2JaLt/FKHjzhOdoE=";

    /// <summary>Whether reading the properties is refused (as in Azure); false: only the content is.</summary>
    public bool PropertiesRefused { get; init; } = true;

    /// <summary>Whether the listing names the key; false: the blob listed is a version written since without one.</summary>
    public bool ListedWithKey { get; init; } = true;

    public override Task<Response<BlobProperties>> GetPropertiesAsync(BlobRequestConditions? conditions = null, CancellationToken cancellationToken = default) =>
        PropertiesRefused ? throw Refused() : base.GetPropertiesAsync(conditions, cancellationToken);

    public override Task<Response<BlobDownloadResult>> DownloadContentAsync(BlobDownloadOptions options, CancellationToken cancellationToken = default) =>
        throw Refused();

    protected override BlobContainerClient GetParentBlobContainerClientCore() =>
        ListedWithKey ? new KeyListingContainer(base.GetParentBlobContainerClientCore()) : base.GetParentBlobContainerClientCore();

    private static RequestFailedException Refused() =>
        new(409, "The blob is encrypted with customer specified encryption, but it was not provided in the request.", BlobErrorCode.BlobUsesCustomerSpecifiedEncryption.ToString(), null);

    /// <summary>The container, listing its blobs with the key's SHA-256.</summary>
    private sealed class KeyListingContainer(BlobContainerClient inner) : BlobContainerClient
    {
        public override AsyncPageable<BlobItem> GetBlobsAsync(BlobTraits traits = BlobTraits.None, BlobStates states = BlobStates.None, string? prefix = null, CancellationToken cancellationToken = default) =>
            new KeyListing(inner.GetBlobsAsync(traits, states, prefix, cancellationToken));
    }

    private sealed class KeyListing(AsyncPageable<BlobItem> inner) : AsyncPageable<BlobItem>
    {
        public override async IAsyncEnumerable<Page<BlobItem>> AsPages(string? continuationToken = null, int? pageSizeHint = null)
        {
            await foreach (var page in inner.AsPages(continuationToken, pageSizeHint).ConfigureAwait(false))
            {
                yield return Page<BlobItem>.FromValues([.. page.Values.Select(WithKey)], page.ContinuationToken, page.GetRawResponse());
            }
        }

        private static BlobItem WithKey(BlobItem item) => BlobsModelFactory.BlobItem(
            item.Name,
            item.Deleted,
            BlobsModelFactory.BlobItemProperties(
                accessTierInferred: false,
                blobType: item.Properties.BlobType,
                contentLength: item.Properties.ContentLength,
                contentHash: item.Properties.ContentHash,
                eTag: item.Properties.ETag,
                lastModified: item.Properties.LastModified,
                customerProvidedKeySha256: KeySha256));
    }
}
