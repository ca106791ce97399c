using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

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
}
