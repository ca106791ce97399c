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

    /// <summary>
    /// Stops the read with an <see cref="OperationCanceledException"/>: checked before each file of a series or zip, each
    /// frame and each chunk of NIfTI voxels, and a running DICOM transcoder is killed. A zip of thousands of files,
    /// each maybe a minute in the transcoder, would otherwise outlast a worker's shutdown deadline.
    /// </summary>
    public CancellationToken CancellationToken { get; init; }

    internal NiftiReadOptions Nifti => new() { VolumeIndex = VolumeIndex, CancellationToken = CancellationToken };
}
