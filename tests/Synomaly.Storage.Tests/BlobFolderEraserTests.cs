using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Synomaly.Storage.Blobs;
using Synomaly.Testing;

namespace Synomaly.Storage.Tests;

[Trait("Category", "Integration")]
public sealed class BlobFolderEraserTests(AzuriteFixture azurite)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_blob_written_again_between_the_listing_and_its_delete_is_erased_all_the_same()
    {
        // The delete carries no ETag condition on purpose: with If-Match the listed version, the version written since
        // (an upload URL is valid for a while) failed its delete with 412, and the erasure left its content behind.
        var name = "c" + Guid.NewGuid().ToString("N");
        var container = new RewritingContainer(azurite.ConnectionString, name);
        await container.CreateAsync(cancellationToken: Ct);
        await container.GetBlobClient("scan-1/scan.png").UploadAsync(BinaryData.FromString("first"), Ct);

        var erased = await BlobFolderEraser.EraseAsync(container, "scan-1/", Ct);

        Assert.True(container.Rewrote);
        Assert.Equal(1, erased.Blobs);
        Assert.False((await container.GetBlobClient("scan-1/scan.png").ExistsAsync(Ct)).Value);
        await container.DeleteAsync(cancellationToken: Ct);
    }

    [Fact]
    public async Task A_blob_written_again_between_the_listing_and_its_delete_is_reported_by_the_etags_of_both_versions_it_erased()
    {
        // Only the listed ETag was reported: the erasure then left a job record an intake made for the version written
        // since (which the erasure did delete) without its tombstone. Then only the version deleted last was reported:
        // the listed version is gone too (overwritten, or deleted with the previous versions), and a record an intake
        // made for it after the erasure's first read of the records (there was none to tombstone then) kept no tombstone.
        var name = "c" + Guid.NewGuid().ToString("N");
        var container = new RewritingContainer(azurite.ConnectionString, name);
        await container.CreateAsync(cancellationToken: Ct);
        var listed = (await container.GetBlobClient("scan-1/scan.png").UploadAsync(BinaryData.FromString("first"), Ct)).Value.ETag.ToString();

        var erased = await BlobFolderEraser.EraseAsync(container, "scan-1/", Ct);

        // Compared without quotes: the upload's answer quotes an ETag, a listing does not.
        var rewritten = Assert.Single(container.RewrittenETags).Trim('"');
        Assert.NotEqual(listed.Trim('"'), rewritten);
        Assert.Equal(new[] { listed.Trim('"'), rewritten }.Order(StringComparer.Ordinal), erased.ETags.Select(e => e.Trim('"')).Order(StringComparer.Ordinal));
        Assert.Equal(1, erased.Blobs);
        Assert.False((await container.GetBlobClient("scan-1/scan.png").ExistsAsync(Ct)).Value);
        await container.DeleteAsync(cancellationToken: Ct);
    }

    /// <summary>A container whose blob listings are answered as read, after the listed blobs were written again meanwhile.</summary>
    private sealed class RewritingContainer(string connectionString, string name) : BlobContainerClient(connectionString, name)
    {
        public bool Rewrote { get; private set; }

        /// <summary>The ETags the listed blobs were written again with.</summary>
        public List<string> RewrittenETags { get; } = [];

        public override AsyncPageable<BlobItem> GetBlobsAsync(GetBlobsOptions? options = null, CancellationToken cancellationToken = default) =>
            options?.States == BlobStates.Uncommitted
                ? new Rewritten(base.GetBlobsAsync(options, cancellationToken), this)
                : base.GetBlobsAsync(options, cancellationToken);

        private sealed class Rewritten(AsyncPageable<BlobItem> listing, RewritingContainer container) : AsyncPageable<BlobItem>
        {
            public override async IAsyncEnumerable<Page<BlobItem>> AsPages(string? continuationToken = null, int? pageSizeHint = null)
            {
                await foreach (var page in listing.AsPages(continuationToken, pageSizeHint))
                {
                    foreach (var item in page.Values)
                    {
                        var written = await container.GetBlobClient(item.Name).UploadAsync(BinaryData.FromString("second"), overwrite: true, Ct);
                        container.RewrittenETags.Add(written.Value.ETag.ToString());
                        container.Rewrote = true;
                    }

                    yield return page;
                }
            }
        }
    }
}
