using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Synomaly.Storage.Blobs;

namespace Synomaly.GpuWorker.Results;

/// <summary>The results container; every write is a conditional create, so a redelivered job never overwrites a result.</summary>
public sealed class BlobResultStore(BlobContainerClient results) : IResultStore
{
    public async Task<bool> ExistsAsync(string path, CancellationToken cancellationToken = default) =>
        (await results.GetBlobClient(path).ExistsAsync(cancellationToken).ConfigureAwait(false)).Value;

    public async Task<bool> CreateIfAbsentAsync(string path, BinaryData content, string contentType, CancellationToken cancellationToken = default)
    {
        var options = new BlobUploadOptions
        {
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            HttpHeaders = new BlobHttpHeaders { ContentType = contentType },
        };
        try
        {
            await results.GetBlobClient(path).UploadAsync(content, options, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (RequestFailedException e) when (e.Status == 409 || e.ErrorCode == BlobErrorCode.BlobAlreadyExists)
        {
            return false;
        }
    }

    /// <summary>
    /// Deletes the folder's blobs and their previous versions: the account keeps versions, so deleting only the current
    /// ones would keep an erased scan's derived images readable as previous versions until the lifecycle rule removes them.
    /// "results/a/v1/0x1" would also match the folder 0x10/, so only whole folders (ending with '/') are accepted.
    /// </summary>
    public async Task<int> DeleteUnderAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        return (await BlobFolderEraser.EraseAsync(results, prefix, cancellationToken).ConfigureAwait(false)).Blobs;
    }
}
