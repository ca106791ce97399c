using Azure.Storage.Blobs.Models;

namespace Synomaly.Functions.Services.Intake;

/// <summary>
/// The error message of an upload intake rejected: why, and what the portal's user can do. Every
/// <see cref="IntakeRejectionCode"/> has its wording, also those whose outcome writes no record today: the message is what
/// a portal shows, and a bare code name says nothing of what to do (as <see cref="Bulk.ArchiveRejectionReason"/> for
/// archive files).
/// </summary>
public static class UploadRejectionReason
{
    public static string Describe(IntakeRejectionCode code, BlobType? blobType, long? contentLength, long maxScanBytes) => code switch
    {
        IntakeRejectionCode.Empty => "The uploaded file is empty.",
        IntakeRejectionCode.TooLarge => $"The uploaded file has {contentLength} bytes; the limit is {maxScanBytes}.",
        IntakeRejectionCode.UnknownFormat => "The file is not DICOM, NIfTI (optionally gzipped), PNG, JPEG or a zip of those.",
        IntakeRejectionCode.UnknownModality => $"The upload's modality hint (metadata '{ScanIntakeService.ModalityMetadataKey}', header x-ms-meta-{ScanIntakeService.ModalityMetadataKey}) names no modality; it takes {string.Join(", ", Contracts.ModalityNames.All)} (or BrainMri, LiverCt, CarotidUltrasound, Auto). Upload the file again with one of those, or without the header.",
        IntakeRejectionCode.Archived => "The upload is in the Archive access tier, whose content cannot be read without rehydrating it. Upload the file again in the Hot or Cool tier (leave out x-ms-access-tier).",
        IntakeRejectionCode.UnsupportedBlobType => $"The upload is {(blobType == BlobType.Page ? "a page" : "an append")} blob; only block blobs are taken, and this one is deleted unprocessed. Upload the file again as a block blob (x-ms-blob-type: BlockBlob).",
        IntakeRejectionCode.EncryptedWithCustomerProvidedKey => "The upload was encrypted with a customer-provided key (x-ms-encryption-key), which this service does not hold, so the file cannot be read; it is deleted unprocessed. Upload the file again without the x-ms-encryption-* headers (the storage account encrypts every file with its own keys).",
        IntakeRejectionCode.InvalidPath => "The file is not the scan's upload (scans/{scanId}/ and one file name directly under it) and was ignored. Upload the file with the URL POST /api/scans returned, which writes exactly that name.",
        IntakeRejectionCode.InvalidScanId => "The file lies under no scan's folder (scans/{scanId}/, with an id POST /api/scans returned) and was ignored. Upload the file with the URL POST /api/scans returned.",
        IntakeRejectionCode.UnreadableJobRecord => "The scan's stored job record cannot be read by this version (written by a newer version, or damaged), so the upload was not taken in; it is kept, and taken in once the record is repaired or this app updated.",
        _ => code.ToString(),
    };
}
