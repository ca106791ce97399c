namespace Synomaly.Contracts;

/// <summary>The container format of an uploaded scan, as sniffed from its first bytes.</summary>
public enum ScanFormat
{
    Unknown = 0,
    Dicom,
    Nifti,
    NiftiGzip,
    Png,
    Jpeg,
    Zip,
}
