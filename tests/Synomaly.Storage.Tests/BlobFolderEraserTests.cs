using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
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
        Assert.False(erased.ETagsIncomplete);
        Assert.Equal(1, erased.Blobs);
        Assert.False((await container.GetBlobClient("scan-1/scan.png").ExistsAsync(Ct)).Value);
        await container.DeleteAsync(cancellationToken: Ct);
    }

    [Fact]
    public async Task A_blob_written_again_before_every_conditional_delete_is_erased_and_the_erasure_says_its_etags_may_be_incomplete()
    {
        // After five conditional deletes that each met a newer version, the delete went unconditional and removed a version
        // whose ETag no read had seen; the erasure reported its ETags as if they were complete.
        var name = "c" + Guid.NewGuid().ToString("N");
        var container = new RewrittenBeforeEveryDeleteContainer(azurite.ConnectionString, name);
        await container.CreateAsync(cancellationToken: Ct);
        await container.GetBlobClient("scan-1/scan.png").UploadAsync(BinaryData.FromString("first"), Ct);

        var erased = await BlobFolderEraser.EraseAsync(container, "scan-1/", Ct);

        Assert.Equal(1, erased.Blobs);
        Assert.False((await container.GetBlobClient("scan-1/scan.png").ExistsAsync(Ct)).Value);
        Assert.DoesNotContain(container.RewrittenETags[^1].Trim('"'), erased.ETags.Select(e => e.Trim('"')));
        Assert.True(erased.ETagsIncomplete);
        await container.DeleteAsync(cancellationToken: Ct);
    }

    [Theory]
    [InlineData("list", BlobFolderAccess.Read)]
    [InlineData("delete", BlobFolderAccess.Delete)]
    [InlineData("blocklist", BlobFolderAccess.Write)]
    public async Task A_request_storage_denies_is_thrown_naming_its_kind_and_container_with_the_status_and_code_it_had(string request, BlobFolderAccess access)
    {
        // A denied listing read like a denied delete (a bare 403), though another role grants it: the erasure named the
        // delete's role for both. The exception stays a RequestFailedException of the same status and code.
        var name = "c" + Guid.NewGuid().ToString("N");
        var denial = new Denial(request);
        var options = new BlobClientOptions();
        options.AddPolicy(denial, Azure.Core.HttpPipelinePosition.PerRetry);
        var container = new BlobContainerClient(azurite.ConnectionString, name, options);
        await container.CreateAsync(cancellationToken: Ct);
        await container.GetBlobClient("scan-1/a.png").UploadAsync(BinaryData.FromString("committed"), Ct);
        using (var block = new MemoryStream("staged"u8.ToArray()))
        {
            // Blocks staged, never committed: discarding them is a write (Put Block List), after the delete of a.png.
            await container.GetBlockBlobClient("scan-1/b.png").StageBlockAsync(Convert.ToBase64String("block-1"u8), block, cancellationToken: Ct);
        }

        denial.Active = true;
        RequestFailedException error = await Assert.ThrowsAsync<BlobFolderAccessDeniedException>(() => BlobFolderEraser.EraseAsync(container, "scan-1/", Ct));

        denial.Active = false;
        var denied = Assert.IsType<BlobFolderAccessDeniedException>(error);
        Assert.Equal((access, name, 403, "AuthorizationPermissionMismatch"), (denied.Access, denied.Container, denied.Status, denied.ErrorCode));
        Assert.DoesNotContain(".png", denied.Message, StringComparison.Ordinal);
        await container.DeleteAsync(cancellationToken: Ct);
    }

    /// <summary>Denies (403) the requests of one kind, by its <c>comp</c> query or, for "delete", its method, once active.</summary>
    private sealed class Denial(string request) : Azure.Core.Pipeline.HttpPipelineSynchronousPolicy
    {
        public bool Active { get; set; }

        public override void OnSendingRequest(Azure.Core.HttpMessage message)
        {
            bool picked = request == "delete"
                ? message.Request.Method == Azure.Core.RequestMethod.Delete
                : message.Request.Uri.Query.Contains($"comp={request}", StringComparison.Ordinal);
            if (Active && picked)
            {
                throw new RequestFailedException(403, "This request is not authorized to perform this operation using this permission.", "AuthorizationPermissionMismatch", null);
            }
        }
    }

    /// <summary>A container whose blobs are written again just before every delete that is conditional on an ETag.</summary>
    private sealed class RewrittenBeforeEveryDeleteContainer(string connectionString, string name) : BlobContainerClient(connectionString, name)
    {
        private readonly string account = connectionString;

        /// <summary>The ETags the blobs were written again with.</summary>
        public List<string> RewrittenETags { get; } = [];

        public override BlobClient GetBlobClient(string blobName) => new Rewriting(account, Name, blobName, this);

        private sealed class Rewriting(string connectionString, string container, string blobName, RewrittenBeforeEveryDeleteContainer owner) : BlobClient(connectionString, container, blobName)
        {
            public override async Task<Response<bool>> DeleteIfExistsAsync(DeleteSnapshotsOption snapshotsOption = DeleteSnapshotsOption.None, BlobRequestConditions? conditions = null, CancellationToken cancellationToken = default)
            {
                if (conditions?.IfMatch is not null)
                {
                    var written = await UploadAsync(BinaryData.FromString("again"), overwrite: true, cancellationToken);
                    owner.RewrittenETags.Add(written.Value.ETag.ToString());
                }

                return await base.DeleteIfExistsAsync(snapshotsOption, conditions, cancellationToken);
            }
        }
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
