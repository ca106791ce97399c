using System.Security.Cryptography;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Synomaly.Contracts;

namespace Synomaly.Storage.Keys;

/// <summary>
/// The deployment's archive scan id key: 32 random bytes in the private blob <see cref="ContainerName"/>/<see cref="BlobName"/>
/// of the scan-data account, which the Functions app and the GPU worker reach with their managed identities (no key in
/// any setting, template output or log). Read once per process and kept; a failed read is not kept, so the next call
/// tries again. The Functions app (<c>mayCreate</c>) creates the key on first use with If-None-Match: *, so that of two
/// first users at once one write wins and the other reads the winner's key: every process ends with the same key. The
/// worker only reads it (a job with an archive id is published only after the Functions app computed the id).
/// <para>
/// A key is created only where the deployment never had one: a new key would change every archive scan id (a bulk run
/// would reprocess the whole archive, and deletions would miss the old ids' results). The sign that it had one is the
/// empty blob <see cref="MarkerBlobName"/> beside the key, written only once the key exists (after creating it, or on
/// the first read of a key from a version that wrote no marker) and never deleted by the app, so it outlives a deleted
/// key blob. The marker is read before the key: a marker seen means a key was written before it, so a key then missing
/// was deleted, and the app refuses (<see cref="ArchiveScanIdKeyUnavailableException.Missing"/>) rather than replace it.
/// A fresh account (a new deployment, Azurite) has neither and gets its key with no set-up.
/// </para>
/// </summary>
public sealed partial class ArchiveScanIdKeyStore(BlobServiceClient blobs, bool mayCreate, ILogger<ArchiveScanIdKeyStore> logger)
{
    /// <summary>A private container of its own, which holds no scan data and no other identity's role covers.</summary>
    public const string ContainerName = "keys";

    public const string BlobName = "archive-scan-ids.key";

    /// <summary>The empty blob whose existence says this deployment has had a key (see the type's remarks).</summary>
    public const string MarkerBlobName = "archive-scan-ids.created";

    private readonly SemaphoreSlim gate = new(1, 1);
    private ArchiveScanIdKey? key;

    /// <summary>The key, read (or, where allowed, created) on the first call.</summary>
    /// <exception cref="ArchiveScanIdKeyUnavailableException">The key could not be read or created.</exception>
    public async Task<ArchiveScanIdKey> GetAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref key) is { } known)
        {
            return known;
        }

        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            key ??= await LoadAsync(cancellationToken).ConfigureAwait(false);
            return key;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>The scan id of <paramref name="archiveBlobName"/> under this deployment's key (<see cref="BlobLayout.ArchiveScanId"/>).</summary>
    /// <exception cref="ArchiveScanIdKeyUnavailableException">The key could not be read or created.</exception>
    public async Task<string> ScanIdOfAsync(string archiveBlobName, CancellationToken cancellationToken) =>
        BlobLayout.ArchiveScanId(archiveBlobName, await GetAsync(cancellationToken).ConfigureAwait(false));

    private async Task<ArchiveScanIdKey> LoadAsync(CancellationToken cancellationToken)
    {
        var container = blobs.GetBlobContainerClient(ContainerName);
        var blob = container.GetBlobClient(BlobName);
        if (!mayCreate)
        {
            return await TryReadAsync(blob, cancellationToken).ConfigureAwait(false)
                ?? throw new ArchiveScanIdKeyUnavailableException(ArchiveScanIdKeyUnavailableException.Missing, $"The archive scan id key {Where} does not exist. The Functions app creates it when it first computes an archive scan id; a job with such an id before that is not this deployment's. If the blob was deleted, restore it (soft delete, docs/DEPLOY.md).");
        }

        // The marker first, then the key (the order is what makes a missing key after a marker a deleted one).
        var marker = container.GetBlobClient(MarkerBlobName);
        var hadKey = await ExistsAsync(marker, cancellationToken).ConfigureAwait(false);
        if (await TryReadAsync(blob, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            if (!hadKey)
            {
                // A key of a version that wrote no marker, or a creator that stopped before writing it.
                await MarkAsync(marker, cancellationToken).ConfigureAwait(false);
            }

            return existing;
        }

        if (hadKey)
        {
            throw new ArchiveScanIdKeyUnavailableException(ArchiveScanIdKeyUnavailableException.Missing, $"The archive scan id key {Where} was deleted: this deployment had one ('{ContainerName}/{MarkerBlobName}' says so), and a new key would change every archive scan id, so none is created. Restore the deleted blob from soft delete (docs/DEPLOY.md, \"Archive scan id key\"); to start over with a new key on purpose, delete '{ContainerName}/{MarkerBlobName}' too.");
        }

        var secret = RandomNumberGenerator.GetBytes(ArchiveScanIdKey.Length);
        ArchiveScanIdKey created;
        try
        {
            await blob.UploadAsync(BinaryData.FromBytes(secret), new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken).ConfigureAwait(false);
            created = ArchiveScanIdKey.FromBytes(secret);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412 || IsCreateOnlyRefusal(e))
        {
            // Another process created it first: its key is the deployment's (and that process writes the marker too;
            // writing it here as well covers a creator that stopped before it did). A 403 is that only where the key
            // now exists; otherwise the role is missing.
            var winners = await TryReadAsync(blob, cancellationToken).ConfigureAwait(false)
                ?? throw (IsCreateOnlyRefusal(e)
                    ? Failed("created", e)
                    : new ArchiveScanIdKeyUnavailableException(ArchiveScanIdKeyUnavailableException.StorageFailed, $"The archive scan id key {Where} was created by another process but could not be read back.", e));
            await MarkAsync(marker, cancellationToken).ConfigureAwait(false);
            return winners;
        }
        catch (RequestFailedException e)
        {
            throw Failed("created", e);
        }

        // Logged before the marker is written: a marker write that fails leaves the key created all the same.
        LogCreated(ContainerName, BlobName);
        // Only after the key exists: a marker never stands for a key that was not written.
        await MarkAsync(marker, cancellationToken).ConfigureAwait(false);
        return created;
    }

    private static async Task<bool> ExistsAsync(BlobClient marker, CancellationToken cancellationToken)
    {
        try
        {
            return (await marker.ExistsAsync(cancellationToken).ConfigureAwait(false)).Value;
        }
        catch (RequestFailedException e)
        {
            throw Failed("checked for (its marker could not be read)", e);
        }
    }

    /// <summary>
    /// Writes the marker where it is not yet (If-None-Match: one that exists is left as it is). A key is handed out only
    /// once its marker stands, so a failure here fails the call (and is not kept): the next call writes it.
    /// </summary>
    private static async Task MarkAsync(BlobClient marker, CancellationToken cancellationToken)
    {
        try
        {
            await marker.UploadAsync(BinaryData.Empty, new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            // Already there.
        }
        catch (RequestFailedException e) when (IsCreateOnlyRefusal(e))
        {
            // Already there (written by another process since this one looked), or the role is missing.
            if (!await ExistsAsync(marker, cancellationToken).ConfigureAwait(false))
            {
                throw Failed("marked as this deployment's (the marker could not be written)", e);
            }
        }
        catch (RequestFailedException e)
        {
            throw Failed("marked as this deployment's (the marker could not be written)", e);
        }
    }

    /// <summary>
    /// In Azure the app's role on the container may create the key and its marker but not write them (blobs/add/action;
    /// a role assignment condition refuses blob write on both, docs/DEPLOY.md, "Archive scan id key"), so a create that
    /// meets a blob another process wrote a moment before may be refused 403 where Azurite answers 409 or 412. A 403 is
    /// also what a missing role gets: the caller tells the two apart by whether the blob exists.
    /// </summary>
    private static bool IsCreateOnlyRefusal(RequestFailedException e) => e.Status == 403;

    /// <summary>The stored key, or null where the blob does not exist.</summary>
    private static async Task<ArchiveScanIdKey?> TryReadAsync(BlobClient blob, CancellationToken cancellationToken)
    {
        BinaryData content;
        try
        {
            content = (await blob.DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content;
        }
        catch (RequestFailedException e) when (e.ErrorCode == BlobErrorCode.ContainerNotFound)
        {
            throw new ArchiveScanIdKeyUnavailableException(ArchiveScanIdKeyUnavailableException.ContainerMissing, $"The container '{ContainerName}' of the archive scan id key does not exist in the storage account this app is connected to. The Bicep templates (infra/) create it, and local runs create it at start-up: check the storage connection setting.", e);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
        catch (RequestFailedException e)
        {
            throw Failed("read", e);
        }

        var bytes = content.ToMemory();
        return bytes.Length == ArchiveScanIdKey.Length
            ? ArchiveScanIdKey.FromBytes(bytes.Span)
            : throw new ArchiveScanIdKeyUnavailableException(ArchiveScanIdKeyUnavailableException.Malformed, $"The archive scan id key {Where} holds {bytes.Length} bytes, not {ArchiveScanIdKey.Length}; it is not replaced (that would change every archive scan id): restore the key's previous version (docs/DEPLOY.md).");
    }

    private static string Where => $"'{ContainerName}/{BlobName}'";

    private static ArchiveScanIdKeyUnavailableException Failed(string what, RequestFailedException e) =>
        new(ArchiveScanIdKeyUnavailableException.StorageFailed, $"The archive scan id key {Where} could not be {what}: storage answered {e.Status} ({e.ErrorCode}). A 403 means the app's identity lacks its role on the container.", e);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Created the archive scan id key {Container}/{Blob}: archive scan ids from now on are computed with it. This deployment had no key (no marker archive-scan-ids.created); if it had one before (ids of earlier runs, a marker deleted with the key), restore the earlier blobs (docs/DEPLOY.md, Archive scan id key)")]
    private partial void LogCreated(string container, string blob);
}
