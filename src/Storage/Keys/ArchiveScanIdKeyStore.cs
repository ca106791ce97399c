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
/// </summary>
public sealed partial class ArchiveScanIdKeyStore(BlobServiceClient blobs, bool mayCreate, ILogger<ArchiveScanIdKeyStore> logger)
{
    /// <summary>A private container of its own, which holds no scan data and no other identity's role covers.</summary>
    public const string ContainerName = "keys";

    public const string BlobName = "archive-scan-ids.key";

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
        var blob = blobs.GetBlobContainerClient(ContainerName).GetBlobClient(BlobName);
        if (await TryReadAsync(blob, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return existing;
        }

        if (!mayCreate)
        {
            throw new ArchiveScanIdKeyUnavailableException(ArchiveScanIdKeyUnavailableException.Missing, $"The archive scan id key {Where} does not exist. The Functions app creates it when it first computes an archive scan id; a job with such an id before that is not this deployment's. If the blob was deleted, restore it (soft delete, docs/DEPLOY.md).");
        }

        var secret = RandomNumberGenerator.GetBytes(ArchiveScanIdKey.Length);
        try
        {
            await blob.UploadAsync(BinaryData.FromBytes(secret), new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            // Another process created it first: its key is the deployment's.
            return await TryReadAsync(blob, cancellationToken).ConfigureAwait(false)
                ?? throw new ArchiveScanIdKeyUnavailableException(ArchiveScanIdKeyUnavailableException.StorageFailed, $"The archive scan id key {Where} was created by another process but could not be read back.", e);
        }
        catch (RequestFailedException e)
        {
            throw Failed("created", e);
        }

        LogCreated(ContainerName, BlobName);
        return ArchiveScanIdKey.FromBytes(secret);
    }

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Created the archive scan id key {Container}/{Blob}: archive scan ids from now on are computed with it. A deployment that had a key before (ids of earlier runs) lost it: restore the earlier blob (docs/DEPLOY.md, Archive scan id key)")]
    private partial void LogCreated(string container, string blob);
}
