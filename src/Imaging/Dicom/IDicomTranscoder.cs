namespace Synomaly.Imaging.Dicom;

/// <summary>
/// Converts a DICOM file whose pixel compression the reader does not decode (JPEG lossless, JPEG-LS, JPEG 2000, 12-bit
/// JPEG) into an uncompressed one, typically with an external tool. Optional: without one such files are rejected with
/// <see cref="ScanRejectionCode.UnsupportedTransferSyntax"/> naming the syntax.
/// </summary>
public interface IDicomTranscoder
{
    /// <summary>A short name for notes and logs (for example "gdcmconv").</summary>
    string Name { get; }

    /// <summary>Whether this transcoder can decompress the given transfer syntax.</summary>
    bool CanTranscode(string transferSyntaxUid);

    /// <summary>
    /// Returns the same object re-encoded with an uncompressed transfer syntax (a complete Part 10 file).
    /// Failures on the file are reported as <see cref="ScanRejectedException"/>; output larger than
    /// <see cref="ScanReadLimits.MaxDecompressedBytes"/> is rejected with <see cref="ScanRejectionCode.LimitExceeded"/>.
    /// Faults of the machine (temporary storage, starting a tool) are thrown as <see cref="DicomTranscoderFaultException"/>,
    /// which the reader lets through unchanged: they say nothing about the scan. A cancelled
    /// <paramref name="cancellationToken"/> stops the conversion (and any process it runs) with an
    /// <see cref="OperationCanceledException"/>.
    /// </summary>
    byte[] Transcode(byte[] part10File, string transferSyntaxUid, ScanReadLimits limits, CancellationToken cancellationToken);
}
