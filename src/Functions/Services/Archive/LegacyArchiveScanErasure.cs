using System.Security.Cryptography;
using System.Text;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Synomaly.Contracts;
using Synomaly.Functions.Services.Erasure;

namespace Synomaly.Functions.Services.Archive;

/// <summary>
/// LEGACY, for erasure only. Before keyed archive scan ids an archive file's id was "a-" plus the first 128 bits of an
/// unkeyed SHA-256 of its name, and what a bulk run filed under such ids stays until the lifecycle rule ages it out.
/// When the archive's owner deletes a file, <see cref="ArchiveDeletionHandler"/> erases that too, through here, by the
/// same <see cref="ScanErasureService"/> call as the keyed id (idempotent; a source written again keeps its results; no
/// tombstone where nothing existed). Nothing else may use <see cref="UnkeyedScanIdOf"/>: no job is filed, read or
/// checked under it (anyone can test a guessed name against an unkeyed id, which is why ids are keyed now). Remove this
/// once every deployment's pre-upgrade results have aged out (<c>resultsDeleteAfterDays</c> after its upgrade).
/// </summary>
public sealed class LegacyArchiveScanErasure(ScanErasureService erasure, ScanJobRows rows, BlobServiceClient blobs)
{
    /// <summary>The unkeyed id of <paramref name="archiveBlobName"/>, exactly as versions before keyed ids computed it.</summary>
    internal static string UnkeyedScanIdOf(string archiveBlobName) =>
        "a-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(archiveBlobName)), 0, 16);

    /// <summary>
    /// Erases what was filed under the deleted file's unkeyed id; null where nothing was. The erasure logs the id it
    /// erases, so it runs only where a record or result stands under it (where the id was in the logs and the table
    /// already): the unkeyed id of a file never processed before the upgrade is never written anywhere.
    /// </summary>
    /// <exception cref="Synomaly.Storage.Jobs.JobTableMissingException">The job table does not exist (the event is put back).</exception>
    public async Task<ScanErasureOutcome?> EraseAsync(string archiveBlobName, CancellationToken cancellationToken)
    {
        var scanId = UnkeyedScanIdOf(archiveBlobName);
        if (!await AnythingFiledUnderAsync(scanId, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        var (outcome, _) = await erasure.EraseAsync(scanId, cancellationToken, ErasureReason.ArchiveSourceDeleted).ConfigureAwait(false);
        return outcome;
    }

    /// <summary>Any job row (readable or not, tombstones too) or any result blob, current or an earlier version, under the id.</summary>
    private async Task<bool> AnythingFiledUnderAsync(string scanId, CancellationToken cancellationToken)
    {
        if ((await rows.ListAsync(scanId, cancellationToken).ConfigureAwait(false)).Count > 0)
        {
            return true;
        }

        var results = blobs.GetBlobContainerClient(BlobLayout.ResultsContainer);
        await foreach (var _ in results.GetBlobsAsync(new GetBlobsOptions { Prefix = scanId + "/", States = BlobStates.Version }, cancellationToken).ConfigureAwait(false))
        {
            return true;
        }

        return false;
    }
}
