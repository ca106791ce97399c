namespace Synomaly.Functions.Services.Intake;

/// <summary>
/// Why an upload was rejected at intake. Stable names: they are the job's error code (docs/API.md lists them) and may
/// be used by portals. Deeper problems (truncated or malformed content) are found by the worker's decoders.
/// </summary>
public enum IntakeRejectionCode
{
    /// <summary>
    /// The blob is under a scan's folder but not at scans/{scanId}/{file} (one file directly under it): no upload of the
    /// scan, which the upload URL writes by its one name. Ignored, no record written (once it failed the scan's job).
    /// </summary>
    InvalidPath,

    /// <summary>
    /// The name is under no scan's folder: its first segment is not an opaque scan id (letters, digits and '-', at most
    /// 64), or it has a '.' or '..' segment, which URL building drops so that any read addresses another blob. No record
    /// is written: there is no valid key, or it would be filed against the blob the URL addresses.
    /// </summary>
    InvalidScanId,

    /// <summary>The blob has no content.</summary>
    Empty,

    /// <summary>The blob is larger than Intake__MaxScanBytes.</summary>
    TooLarge,

    /// <summary>The first bytes are none of DICOM, NIfTI, gzip, PNG, JPEG or zip.</summary>
    UnknownFormat,

    /// <summary>
    /// The blob is an append or page blob. The upload URL lets its holder create either at the upload path, but scans are
    /// uploaded as block blobs; the file is deleted unprocessed, since no lifecycle rule ages out a page blob.
    /// </summary>
    UnsupportedBlobType,

    /// <summary>
    /// The blob is in the Archive access tier (the upload URL lets its holder set x-ms-access-tier): its content cannot be
    /// read until it is rehydrated, which nothing here does, so the file is never processed. It is uploaded again as Hot
    /// or Cool.
    /// </summary>
    Archived,

    /// <summary>
    /// The blob was written with a customer-provided encryption key (x-ms-encryption-key on the upload, which a SAS does
    /// not restrict): the service refuses every read without that key (409 BlobUsesCustomerSpecifiedEncryption), its
    /// properties included, and nothing here holds it, so the file is never processed. It is deleted unprocessed, since
    /// no one without the key could even look at it; it is uploaded again without the x-ms-encryption-* headers (the
    /// account encrypts every blob with its own keys).
    /// </summary>
    EncryptedWithCustomerProvidedKey,

    /// <summary>
    /// The upload's modality hint (metadata "modality", x-ms-meta-modality) names no modality. Refused rather than read as
    /// Auto or as some other modality: a scan processed under a wrong hint gets a wrong model's verdict. The file is kept;
    /// it is uploaded again with a name <see cref="Contracts.ModalityNames.TryParse"/> reads, or without the header.
    /// </summary>
    UnknownModality,

    /// <summary>
    /// One of the scan's stored job records cannot be read by this version (a state or origin it does not know, a damaged
    /// source URI: <see cref="Storage.Jobs.InvalidJobRecordException"/>). Intake cannot tell whether the scan was erased
    /// or what its record holds, so it takes nothing in and writes nothing: the upload and the record are left as they
    /// are, and the refusal is logged as an Error naming the scan, the record's model version and the field. Not the
    /// file's fault; once the record is repaired (or this app updated), the upload reconciliation takes the file in.
    /// </summary>
    UnreadableJobRecord,
}
