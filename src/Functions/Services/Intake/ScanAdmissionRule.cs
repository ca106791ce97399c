using Azure.Storage.Blobs.Models;

namespace Synomaly.Functions.Services.Intake;

/// <summary>
/// Whether a stored scan file may be handed to the worker at all, judged from the blob's properties alone: the one rule
/// for uploads (intake) and for archive files (bulk reprocessing). A file it refuses ends Failed with its code at once;
/// published, it would fail on the worker instead, an archived blob's download (409 BlobArchived) on every delivery
/// until the job is given up.
/// </summary>
public sealed class ScanAdmissionRule(long maxScanBytes)
{
    /// <summary>The largest file taken (Intake__MaxScanBytes).</summary>
    public long MaxScanBytes { get; } = maxScanBytes;

    /// <summary>
    /// Why a listed file is refused, or null when it may be processed: <see cref="CheckEncryption"/>, then the rest of the
    /// rule. A listing (bulk reprocessing) names all it judges; intake learns of a customer-provided key from its refused
    /// reads instead.
    /// </summary>
    public IntakeRejectionCode? Check(BlobItemProperties listed)
    {
        ArgumentNullException.ThrowIfNull(listed);
        return CheckEncryption(listed.CustomerProvidedKeySha256) ?? Check(listed.BlobType, listed.AccessTier, listed.ContentLength);
    }

    /// <summary>Why a readable file is refused, or null when it may be processed: <see cref="CheckStorage"/>, then <see cref="CheckSize"/>.</summary>
    public IntakeRejectionCode? Check(BlobType? blobType, AccessTier? accessTier, long? contentLength) =>
        CheckStorage(blobType, accessTier) ?? CheckSize(contentLength);

    /// <summary>
    /// Whether the blob can be read without a key: one written with a customer-provided key (the listing names the key's
    /// SHA-256) is refused every read without it, which nothing here holds; published, it would fail every delivery on
    /// the worker. It comes first, as at intake, where its properties cannot be read to judge anything else.
    /// </summary>
    public static IntakeRejectionCode? CheckEncryption(string? customerProvidedKeySha256) =>
        customerProvidedKeySha256 is null ? null : IntakeRejectionCode.EncryptedWithCustomerProvidedKey;

    /// <summary>
    /// Whether the blob can be read as a scan: only block blobs are taken (a listing always names the type, so an unknown
    /// one is refused too), and a blob in the Archive tier cannot be read until it is rehydrated, which nothing here does.
    /// </summary>
    public static IntakeRejectionCode? CheckStorage(BlobType? blobType, AccessTier? accessTier) =>
        blobType != BlobType.Block ? IntakeRejectionCode.UnsupportedBlobType
        : accessTier == AccessTier.Archive ? IntakeRejectionCode.Archived
        : null;

    /// <summary>Whether the file has content, and no more than the limit (an unknown length counts as none).</summary>
    public IntakeRejectionCode? CheckSize(long? contentLength) =>
        contentLength is null or <= 0 ? IntakeRejectionCode.Empty
        : contentLength > MaxScanBytes ? IntakeRejectionCode.TooLarge
        : null;
}
