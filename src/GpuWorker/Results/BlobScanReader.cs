using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Processing;
using Synomaly.Imaging;
using Synomaly.Storage.Keys;

namespace Synomaly.GpuWorker.Results;

/// <summary>
/// Reads a ScanJob's source through the worker's own blob client (its identity), and only the job's own scan in the scans
/// and archive containers of that account: a message cannot make the worker read anything else, nor file another scan's
/// maps as this scan's results. An archive blob's scan id is computed with the deployment's key, read from
/// <paramref name="archiveKey"/>: where it cannot be read the job is not read either (the
/// <see cref="ArchiveScanIdKeyUnavailableException"/> is a transient failure, retried on the next delivery).
/// </summary>
public sealed class BlobScanReader(BlobServiceClient blobs, ArchiveScanIdKeyStore archiveKey, ScanReadLimits limits) : IScanBlobReader
{
    public async Task<BinaryData> ReadAsync(ScanJob job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        // The handler fills in an archive job's source from its job record before any read.
        var blob = await ResolveAsync(job.ScanId, job.SourceBlobUri ?? throw new JobRejectedException(JobRejectedException.SourceUnknown, "The job names no source blob."), cancellationToken).ConfigureAwait(false);
        var conditions = new BlobRequestConditions { IfMatch = new ETag(job.SourceETag) };
        try
        {
            var properties = await blob.GetPropertiesAsync(conditions, cancellationToken).ConfigureAwait(false);
            if (properties.Value.ContentLength > limits.MaxFileBytes)
            {
                throw new ScanRejectedException(ScanRejectionCode.LimitExceeded, $"The scan has {properties.Value.ContentLength} bytes; the limit is {limits.MaxFileBytes}.");
            }

            var content = await blob.DownloadContentAsync(new BlobDownloadOptions { Conditions = conditions }, cancellationToken).ConfigureAwait(false);
            return content.Value.Content;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            throw Missing();
        }
        catch (RequestFailedException e) when (e.Status == 412)
        {
            // A conditional read of a deleted blob may answer 412 rather than 404 (Azurite does): tell the two apart.
            if (!(await blob.ExistsAsync(cancellationToken).ConfigureAwait(false)).Value)
            {
                throw Missing();
            }

            throw new JobRejectedException(JobRejectedException.SourceChanged, "The scan blob was replaced after the job was queued (ETag mismatch); the newer upload has its own job.");
        }
    }

    private static JobRejectedException Missing() => new(JobRejectedException.SourceMissing, "The scan blob no longer exists.");

    private async Task<BlobClient> ResolveAsync(string scanId, Uri source, CancellationToken cancellationToken)
    {
        var parts = new BlobUriBuilder(source);
        var sameAccount = string.Equals(parts.AccountName, blobs.AccountName, StringComparison.Ordinal);
        if (!sameAccount || string.IsNullOrEmpty(parts.BlobName) || !await IsSourceOfAsync(scanId, parts.BlobContainerName, parts.BlobName, cancellationToken).ConfigureAwait(false))
        {
            // Neither the name nor the path: an archive name, or an upload's file name, may name a patient.
            throw new JobRejectedException(JobRejectedException.SourceNotAllowed, "The job's source is not a blob of this scan in this account's scans or archive container.");
        }

        return blobs.GetBlobContainerClient(parts.BlobContainerName).GetBlobClient(parts.BlobName);
    }

    /// <summary>
    /// Whether the blob is the scan's own: an upload under scans/{scanId}/ (<see cref="BlobLayout.IsUploadOf"/>), or the
    /// archive blob whose name gives the scan id under the deployment's key (<see cref="BlobLayout.ArchiveScanId"/>). Results
    /// are filed by the scan id. An upload needs no key: a key that cannot be read holds up archive jobs only.
    /// </summary>
    private async Task<bool> IsSourceOfAsync(string scanId, string container, string blobName, CancellationToken cancellationToken) => container switch
    {
        BlobLayout.ScansContainer => BlobLayout.IsUploadOf(scanId, blobName),
        BlobLayout.ArchiveContainer => string.Equals(await archiveKey.ScanIdOfAsync(blobName, cancellationToken).ConfigureAwait(false), scanId, StringComparison.Ordinal),
        _ => false,
    };
}
