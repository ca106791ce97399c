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

    public async Task<int> DeleteUnderAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        if (!prefix.EndsWith('/'))
        {
            // "results/a/v1/0x1" would also match the folder 0x10/: only whole folders are deleted.
            throw new ArgumentException($"'{prefix}' is not a folder prefix (it must end with '/').", nameof(prefix));
        }

        int deleted = 0;
        await foreach (var item in results.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken).ConfigureAwait(false))
        {
            if ((await results.GetBlobClient(item.Name).DeleteIfExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value)
            {
                deleted++;
            }
        }

        return deleted;
    }
}
