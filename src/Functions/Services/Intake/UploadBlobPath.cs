using Synomaly.Contracts;

namespace Synomaly.Functions.Services.Intake;

/// <summary>The parts of an upload's blob name, scans/{scanId}/{file}, checked without ever logging the name.</summary>
public readonly record struct UploadBlobPath(string? ScanId, bool IsValidScanId, bool IsWellFormed)
{
    /// <param name="blobName">The name inside the scans container ("{scanId}/{file}").</param>
    public static UploadBlobPath Parse(string blobName)
    {
        ArgumentNullException.ThrowIfNull(blobName);
        var segments = blobName.Split('/');
        var scanId = segments[0];
        var valid = BlobLayout.IsValidScanId(scanId);
        var wellFormed = valid && segments.Length == 2 && segments[1].Length > 0;
        return new UploadBlobPath(valid ? scanId : null, valid, wellFormed);
    }
}
