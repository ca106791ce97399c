using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Processing;
using Synomaly.Imaging;

namespace Synomaly.GpuWorker.Results;

/// <summary>
/// Reads a ScanJob's source through the worker's own blob client (its identity), and only the job's own scan in the scans
/// and archive containers of that account: a message cannot make the worker read anything else, nor file another scan's
/// maps as this scan's results.
/// </summary>
public sealed class BlobScanReader(BlobServiceClient blobs, ScanReadLimits limits) : IScanBlobReader
{
    public async Task<BinaryData> ReadAsync(ScanJob job, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        // The handler fills in an archive job's source from its job record before any read.
        var blob = Resolve(job.ScanId, job.SourceBlobUri ?? throw new JobRejectedException(JobRejectedException.SourceUnknown, "The job names no source blob."));
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

    private BlobClient Resolve(string scanId, Uri source)
    {
        var parts = new BlobUriBuilder(source);
        var sameAccount = string.Equals(parts.AccountName, blobs.AccountName, StringComparison.Ordinal);
        if (!sameAccount || string.IsNullOrEmpty(parts.BlobName) || !IsSourceOf(scanId, parts.BlobContainerName, parts.BlobName))
        {
            // Neither the name nor the path: an archive name, or an upload's file name, may name a patient.
            throw new JobRejectedException(JobRejectedException.SourceNotAllowed, "The job's source is not a blob of this scan in this account's scans or archive container.");
        }

        return blobs.GetBlobContainerClient(parts.BlobContainerName).GetBlobClient(parts.BlobName);
    }

    /// <summary>
    /// Whether the blob is the scan's own: an upload under scans/{scanId}/ (<see cref="BlobLayout.IsUploadOf"/>), or the
    /// archive blob whose name gives the scan id (<see cref="BlobLayout.ArchiveScanId"/>). Results are filed by the scan id.
    /// </summary>
    private static bool IsSourceOf(string scanId, string container, string blobName) => container switch
    {
        BlobLayout.ScansContainer => BlobLayout.IsUploadOf(scanId, blobName),
        BlobLayout.ArchiveContainer => string.Equals(BlobLayout.ArchiveScanId(blobName), scanId, StringComparison.Ordinal),
        _ => false,
    };
}
