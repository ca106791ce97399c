using Synomaly.Imaging.Dicom;
using Synomaly.Imaging.Nifti;

namespace Synomaly.Imaging.Reading;

/// <summary>What <see cref="ScanReader"/> enforces and chooses while decoding.</summary>
public sealed record ScanReadOptions
{
    public static ScanReadOptions Default { get; } = new();

    public ScanReadLimits Limits { get; init; } = ScanReadLimits.Default;

    /// <summary>The volume of a 4-D NIfTI to read (0 = first).</summary>
    public int VolumeIndex { get; init; }

    /// <summary>
    /// Decompresses DICOM transfer syntaxes the reader does not decode itself (JPEG lossless, JPEG-LS, JPEG 2000, 12-bit
    /// JPEG), typically <see cref="DicomToolTranscoder.Detect"/>; null (the default) rejects them as
    /// <see cref="ScanRejectionCode.UnsupportedTransferSyntax"/>.
    /// </summary>
    public IDicomTranscoder? DicomTranscoder { get; init; }

    internal NiftiReadOptions Nifti => new() { VolumeIndex = VolumeIndex };
}
