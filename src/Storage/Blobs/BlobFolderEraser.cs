using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Synomaly.Storage.Blobs;

/// <summary>What erasing one blob folder removed.</summary>
/// <param name="Blobs">Blobs that existed (their current versions).</param>
/// <param name="Versions">Previous versions deleted as well (the account keeps versions: deleting a blob only makes its
/// current version a previous one).</param>
/// <param name="ETags">The ETags the deleted blobs had (which upload versions are gone).</param>
public sealed record FolderErasure(int Blobs, int Versions, IReadOnlySet<string> ETags);

/// <summary>
/// Deletes every blob under a folder prefix, previous versions included, so that an erasure leaves nothing readable but
/// what soft delete keeps recoverable for its retention period (<c>softDeleteRetentionDays</c> in the templates). Used
/// by the erasure on request and by the worker when it removes the results of a job erased or replaced while it wrote
/// them. The caller's identity needs the blob eraser role (delete and deleteBlobVersion) on the container.
/// </summary>
public static class BlobFolderEraser
{
    public static async Task<FolderErasure> EraseAsync(BlobContainerClient container, string prefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        if (string.IsNullOrEmpty(prefix) || !prefix.EndsWith('/'))
        {
            throw new ArgumentException($"'{prefix}' is not a folder prefix (it must end with '/').", nameof(prefix));
        }

        int blobs = 0, versions = 0;
        var etags = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken).ConfigureAwait(false))
        {
            if (await DeleteCurrentAsync(container.GetBlobClient(item.Name), cancellationToken).ConfigureAwait(false))
            {
                blobs++;
                if (item.Properties.ETag is { } etag)
                {
                    etags.Add(etag.ToString());
                }
            }
        }

        // Listed after the deletes above, which turned each current version into a previous one.
        await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix, States = BlobStates.Version }, cancellationToken).ConfigureAwait(false))
        {
            if (item.VersionId is { Length: > 0 } versionId && item.IsLatestVersion != true)
            {
                try
                {
                    await container.GetBlobClient(item.Name).WithVersion(versionId).DeleteAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                    versions++;
                }
                catch (RequestFailedException e) when (e.Status == 404)
                {
                    // Gone already (a concurrent erasure, or the lifecycle rule).
                }
            }
        }

        return new FolderErasure(blobs, versions, etags);
    }

    /// <summary>
    /// Deletes the current version. A lease (an upload SAS lets its holder take one, even an infinite one) is broken first:
    /// a lease must not keep data its owner asked to erase.
    /// </summary>
    private static async Task<bool> DeleteCurrentAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            return (await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.LeaseIdMissing)
        {
            await blob.GetBlobLeaseClient().BreakAsync(TimeSpan.Zero, cancellationToken: cancellationToken).ConfigureAwait(false);
            return (await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
        }
    }
}
