using System.Security.Cryptography;
using System.Text;

namespace Synomaly.Functions.Services.Bulk;

/// <summary>
/// The scan id of an archive blob: "a-" plus the first 128 bits of SHA-256 of its name, in hex. Deterministic, so a
/// restarted or repeated run finds the same job records; opaque, so archive names (which may hold patient data) never
/// appear in ids or logs. (The ScanJob message still names its source blob: see <see cref="Synomaly.Contracts.ScanJob"/>.)
/// </summary>
public static class ArchiveScanId
{
    public static string For(string archiveBlobName)
    {
        ArgumentNullException.ThrowIfNull(archiveBlobName);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(archiveBlobName));
        return "a-" + Convert.ToHexStringLower(hash, 0, 16);
    }
}
