using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Synomaly.Storage.Blobs;

/// <summary>What erasing one blob folder removed.</summary>
/// <param name="Blobs">Blobs that existed: their current versions, and blobs whose blocks were staged but not yet
/// committed (an upload in progress), whose blocks were discarded.</param>
/// <param name="Versions">Previous versions deleted as well (the account keeps versions: deleting a blob only makes its
/// current version a previous one).</param>
/// <param name="ETags">The ETags of the versions erased (which upload versions are gone): of the version each delete
/// removed and, where the blob was written again in between, of each version seen before it (the one listed too), which
/// the write replaced and the previous-version deletes removed.</param>
/// <param name="ETagsIncomplete">Whether <paramref name="ETags"/> may lack a version erased: a blob written again on every
/// conditional delete was at last deleted unconditionally, and the version that delete removed was never read.</param>
public sealed record FolderErasure(int Blobs, int Versions, IReadOnlySet<string> ETags, bool ETagsIncomplete = false);

/// <summary>
/// Deletes every blob under a folder prefix, previous versions included, so that an erasure leaves nothing readable but
/// what soft delete keeps recoverable for its retention period (<c>softDeleteRetentionDays</c> in the templates). Used
/// by the erasure on request and by the worker when it removes the results of a job erased or replaced while it wrote
/// them. The caller's identity needs blob read (the listings) and the blob eraser role (delete and deleteBlobVersion) on
/// the container, and blob write where an upload has staged blocks or a lease; a request storage denies is thrown as a
/// <see cref="BlobFolderAccessDeniedException"/> that names which of these it was.
/// </summary>
public static class BlobFolderEraser
{
    /// <summary>How often a delete follows a blob written again under it before it deletes whatever is current.</summary>
    private const int MaxDeleteAttempts = 5;

    public static async Task<FolderErasure> EraseAsync(BlobContainerClient container, string prefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        if (string.IsNullOrEmpty(prefix) || !prefix.EndsWith('/'))
        {
            throw new ArgumentException($"'{prefix}' is not a folder prefix (it must end with '/').", nameof(prefix));
        }

        int blobs = 0, versions = 0;
        bool etagsIncomplete = false;
        var etags = new HashSet<string>(StringComparer.Ordinal);
        // Uncommitted too: a blob whose upload is still staging blocks exists for nobody else yet, but its uploader can
        // commit them at any time while the upload URL is valid. Such a blob is told from the committed ones by listing
        // those alone first.
        var committed = (await ListAsync(container, new GetBlobsOptions { Prefix = prefix }, cancellationToken).ConfigureAwait(false)).Select(item => item.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var item in await ListAsync(container, new GetBlobsOptions { Prefix = prefix, States = BlobStates.Uncommitted }, cancellationToken).ConfigureAwait(false))
        {
            var blob = container.GetBlobClient(item.Name);
            var (deleted, unread) = committed.Contains(item.Name)
                ? await DeleteCurrentAsync(blob, item.Properties.ETag, etags, cancellationToken).ConfigureAwait(false)
                : await DiscardStagedBlocksAsync(container.GetBlockBlobClient(item.Name), blob, etags, cancellationToken).ConfigureAwait(false);
            if (deleted)
            {
                blobs++;
            }

            etagsIncomplete |= unread;
        }

        // Listed after the deletes above, which turned each current version into a previous one.
        foreach (var item in await ListAsync(container, new GetBlobsOptions { Prefix = prefix, States = BlobStates.Version }, cancellationToken).ConfigureAwait(false))
        {
            if (item.VersionId is { Length: > 0 } versionId && item.IsLatestVersion != true)
            {
                var version = container.GetBlobClient(item.Name).WithVersion(versionId);
                try
                {
                    await AllowedAsync(version, BlobFolderAccess.Delete, () => version.DeleteAsync(cancellationToken: cancellationToken)).ConfigureAwait(false);
                    versions++;
                }
                catch (RequestFailedException e) when (e.Status == 404)
                {
                    // Gone already (a concurrent erasure, or the lifecycle rule).
                }
            }
        }

        return new FolderErasure(blobs, versions, etags, etagsIncomplete);
    }

    /// <summary>Whether any blob is under the folder prefix: a current one, an earlier version, or one with staged blocks only.</summary>
    public static async Task<bool> AnyUnderAsync(BlobContainerClient container, string prefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        try
        {
            await foreach (var _ in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix, States = BlobStates.Version | BlobStates.Uncommitted }, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }
        }
        catch (RequestFailedException e) when (e.Status is 401 or 403)
        {
            throw new BlobFolderAccessDeniedException(container.Name, BlobFolderAccess.Read, e);
        }

        return false;
    }

    /// <summary>The blobs a listing finds, read to the end before any of them is deleted.</summary>
    private static async Task<List<BlobItem>> ListAsync(BlobContainerClient container, GetBlobsOptions options, CancellationToken cancellationToken)
    {
        var items = new List<BlobItem>();
        try
        {
            await foreach (var item in container.GetBlobsAsync(options, cancellationToken).ConfigureAwait(false))
            {
                items.Add(item);
            }
        }
        catch (RequestFailedException e) when (e.Status is 401 or 403)
        {
            throw new BlobFolderAccessDeniedException(container.Name, BlobFolderAccess.Read, e);
        }

        return items;
    }

    /// <summary>One request on <paramref name="blob"/>; denied, it is thrown as <see cref="BlobFolderAccessDeniedException"/> naming <paramref name="access"/>.</summary>
    private static async Task<T> AllowedAsync<T>(BlobBaseClient blob, BlobFolderAccess access, Func<Task<T>> request)
    {
        try
        {
            return await request().ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 401 or 403)
        {
            throw new BlobFolderAccessDeniedException(blob.BlobContainerName, access, e);
        }
    }

    /// <summary>
    /// Discards the staged blocks of a blob that has no committed version. Deleting it would not do (Azure answers that
    /// there is no blob; Azurite drops the name but keeps the blocks, which a commit still finds): an empty block list is
    /// committed, which drops every uncommitted block, and that empty blob is deleted (its version goes with the previous
    /// versions below). If-None-Match keeps a commit the uploader made since the listing from being overwritten: that blob
    /// is deleted as it is. As <see cref="DeleteCurrentAsync"/>: whether a blob was deleted, and whether unread.
    /// </summary>
    private static async Task<(bool Deleted, bool Unread)> DiscardStagedBlocksAsync(BlockBlobClient staged, BlobClient blob, ISet<string> gone, CancellationToken cancellationToken)
    {
        ETag? empty = null;
        try
        {
            empty = (await AllowedAsync(staged, BlobFolderAccess.Write, () => staged.CommitBlockListAsync([], new CommitBlockListOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken)).ConfigureAwait(false)).Value.ETag;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            // Committed by the uploader since it was listed: deleted below like any other upload, at the version now current.
        }

        return await DeleteCurrentAsync(blob, empty, gone, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Deletes the current version; false when there was none. A lease (an upload SAS lets its holder take one, even an
    /// infinite one) is broken first: a lease must not keep data its owner asked to erase. Whatever version is current: a
    /// blob written again after the listing (an upload URL stays valid for a while) must not keep its content. The delete
    /// is conditional all the same (If-Match the version expected), so that the versions erased are known: where the blob was written again in between, the condition fails and the version now current is read
    /// and deleted in turn (the one it replaced is a previous version by then, deleted with the others). Every version so
    /// seen is added to <paramref name="gone"/>: the one deleted, and each one the condition found replaced (the listed one
    /// too, whose content is gone as well; reporting only the last left an intake's record for it, made after the
    /// erasure's first read of the records, without its tombstone, as reporting only the listed one did for the version
    /// written since). A blob written again on every attempt is deleted unconditionally at last, its content erased; which
    /// version that removed is not known, and the answer says so (Unread), so that the erasure does not claim a complete list.
    /// </summary>
    /// <param name="expected">The version the caller saw (null: read it first).</param>
    /// <returns>Whether a current version was deleted (false when there was none), and whether by the unconditional delete.</returns>
    private static async Task<(bool Deleted, bool Unread)> DeleteCurrentAsync(BlobClient blob, ETag? expected, ISet<string> gone, CancellationToken cancellationToken)
    {
        for (int attempt = 0; attempt < MaxDeleteAttempts; attempt++)
        {
            expected ??= await CurrentETagAsync(blob, cancellationToken).ConfigureAwait(false);
            if (expected is not { } etag)
            {
                return (false, false);
            }

            try
            {
                var deleted = await AllowedAsync(blob, BlobFolderAccess.Delete, () => blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, new BlobRequestConditions { IfMatch = etag }, cancellationToken)).ConfigureAwait(false);
                if (deleted.Value)
                {
                    gone.Add(etag.ToString());
                }

                return (deleted.Value, false);
            }
            catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.LeaseIdMissing)
            {
                await BreakLeaseAsync(blob, cancellationToken).ConfigureAwait(false);
            }
            catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ConditionNotMet)
            {
                gone.Add(etag.ToString()); // replaced since, so no longer current: the version now current is read and deleted
                expected = null;
            }
        }

        // Written again (or leased again) on every attempt: the content is erased all the same, whatever version is current.
        // Which one that was is not known (the delete answers no ETag): the last one read is reported, as the attempts', and
        // the answer says that the list may lack the one removed.
        if (expected is { } last)
        {
            gone.Add(last.ToString());
        }

        bool removed;
        try
        {
            removed = (await DeleteAnyVersionAsync(blob, cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.LeaseIdMissing)
        {
            await BreakLeaseAsync(blob, cancellationToken).ConfigureAwait(false);
            removed = (await DeleteAnyVersionAsync(blob, cancellationToken).ConfigureAwait(false)).Value;
        }

        return (removed, removed);
    }

    /// <summary>Deletes whatever version is current, unconditionally.</summary>
    private static Task<Response<bool>> DeleteAnyVersionAsync(BlobClient blob, CancellationToken cancellationToken) =>
        AllowedAsync(blob, BlobFolderAccess.Delete, () => blob.DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, cancellationToken: cancellationToken));

    private static Task<Response<BlobLease>> BreakLeaseAsync(BlobClient blob, CancellationToken cancellationToken) =>
        AllowedAsync(blob, BlobFolderAccess.Write, () => blob.GetBlobLeaseClient().BreakAsync(TimeSpan.Zero, cancellationToken: cancellationToken));

    /// <summary>The current version's ETag; null when the blob does not exist.</summary>
    private static async Task<ETag?> CurrentETagAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            return (await AllowedAsync(blob, BlobFolderAccess.Read, () => blob.GetPropertiesAsync(cancellationToken: cancellationToken)).ConfigureAwait(false)).Value.ETag;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }
}
