namespace Synomaly.Contracts;

/// <summary>
/// The one reading of an upload's blob name (in the scans container), which intake and the worker both use, so that
/// intake never queues a file the worker would refuse to read for the scan (SourceNotAllowed). Checked without ever
/// logging the name: an upload's name may hold patient data.
/// </summary>
/// <param name="ScanId">The scan the name files the upload under; null when it names no scan.</param>
/// <param name="IsValidScanId">Whether the name is under a scan's folder at all (so a job record can be keyed by it).</param>
/// <param name="IsWellFormed">
/// Whether it is one file directly under that folder, a name <see cref="BlobLayout.UploadPath"/> gives: the only uploads
/// intake queues and the worker reads. A malformed name in a scan's folder (scans/{scanId}/a/b) is no upload: intake ignores it.
/// </param>
public readonly record struct UploadBlobName(string? ScanId, bool IsValidScanId, bool IsWellFormed)
{
    private static readonly UploadBlobName NoScan = new(null, false, false);

    /// <param name="blobName">The name inside the scans container ("{scanId}/{file}").</param>
    public static UploadBlobName Parse(string blobName)
    {
        ArgumentNullException.ThrowIfNull(blobName);
        var segments = blobName.Split('/');
        if (!BlobLayout.IsValidScanId(segments[0]) || segments.Any(s => s is "." or ".."))
        {
            // A '.' or '..' segment is removed by every client that builds the blob's URL (RFC 3986 dot segments; the
            // Azure SDK's BlobClient does it): scans/{id}/. addresses {id}/, scans/{id}/.. the container, scans/{id}/x/../y the blob {id}/y.
            // No read or write with such a name reaches the blob it names, so it is no upload of any scan.
            return NoScan;
        }

        return new UploadBlobName(segments[0], true, segments is [_, var file] && BlobLayout.IsPathSegment(file));
    }
}
