using Synomaly.Contracts;

namespace Synomaly.Functions.Services.Bulk;

/// <summary>
/// The scan id of an archive blob: <see cref="BlobLayout.ArchiveScanId"/>, "a-" plus a hash of its name, one rule for the
/// runs that give it and the worker that checks it. (The ScanJob message still names its source blob: see
/// <see cref="ScanJob"/>.)
/// </summary>
public static class ArchiveScanId
{
    public static string For(string archiveBlobName) => BlobLayout.ArchiveScanId(archiveBlobName);
}
