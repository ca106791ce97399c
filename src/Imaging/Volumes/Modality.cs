namespace Synomaly.Imaging.Volumes;

/// <summary>The acquisition modality as read from the file (DICOM Modality tag) or given by the caller.</summary>
public enum Modality
{
    Unknown = 0,
    MR,
    CT,
    US,
    Other,
}
