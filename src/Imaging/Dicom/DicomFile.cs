namespace Synomaly.Imaging.Dicom;

/// <summary>A parsed Part 10 file (or bare data set): its transfer syntax, meta header, data set and lenient-decoding notes.</summary>
internal sealed record DicomFile(DicomTransferSyntax Syntax, DicomDataset Meta, DicomDataset Dataset, IReadOnlyList<string> Notes)
{
    /// <summary>SOP class from the data set, falling back to the meta header's media storage SOP class.</summary>
    public string? SopClassUid => Dataset.GetString(DicomTag.SopClassUid) ?? Meta.GetString(DicomTag.MediaStorageSopClassUid);
}
