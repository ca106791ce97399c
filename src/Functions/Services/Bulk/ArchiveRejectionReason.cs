using Azure.Storage.Blobs.Models;
using Synomaly.Contracts;
using Synomaly.Functions.Services.Intake;

namespace Synomaly.Functions.Services.Bulk;

/// <summary>
/// The error message of an archive file a reprocessing run did not publish: why, and what its owner can do (the archive
/// is theirs: nothing here changes it). Every <see cref="IntakeRejectionCode"/> has its wording, even those a run does
/// not give today: the record's message is what an operator reads, and the bare code name said nothing of what to do.
/// </summary>
public static class ArchiveRejectionReason
{
    private const string TakenNextRun = "a later reprocessing run takes the new version.";

    public static string Describe(IntakeRejectionCode code, BlobItemProperties properties, long maxScanBytes)
    {
        ArgumentNullException.ThrowIfNull(properties);
        return code switch
        {
            IntakeRejectionCode.Empty => "The archived file is empty.",
            IntakeRejectionCode.TooLarge => $"The archived file has {properties.ContentLength} bytes; the limit is {maxScanBytes}.",
            IntakeRejectionCode.Archived => $"The archived file is in the Archive access tier, whose content cannot be read without rehydrating it. Store it again in the Hot or Cool tier; {TakenNextRun}",
            IntakeRejectionCode.UnsupportedBlobType => $"The archived file is {(properties.BlobType == BlobType.Page ? "a page" : "an append")} blob; only block blobs are processed. Store it again as a block blob; {TakenNextRun}",
            IntakeRejectionCode.EncryptedWithCustomerProvidedKey => $"The archived file was written with a customer-provided encryption key, which this service does not hold, so it cannot be read. Store it again without one (the storage account encrypts every file with its own keys); {TakenNextRun}",
            IntakeRejectionCode.UnknownModality => $"The archived file's modality hint (metadata 'modality') names no modality; it takes {string.Join(", ", ModalityNames.All)} (or BrainMri, LiverCt, CarotidUltrasound, Auto). Store it again with one of those, or without the hint; {TakenNextRun}",
            IntakeRejectionCode.UnknownFormat => $"The archived file is not DICOM, NIfTI (optionally gzipped), PNG, JPEG or a zip of those. Store it again in one of those formats; {TakenNextRun}",
            IntakeRejectionCode.InvalidPath => $"The archived file's name is not one a scan is read from. Store it again under another name; {TakenNextRun}",
            IntakeRejectionCode.InvalidScanId => $"No scan id can be made from the archived file's name. Store it again under another name; {TakenNextRun}",
            IntakeRejectionCode.UnreadableJobRecord => "The scan's stored job record cannot be read by this version (written by a newer version, or damaged). It is left as it is; a later reprocessing run takes the file once the record is repaired or this app updated.",
            _ => code.ToString(),
        };
    }
}
