using System.Globalization;

namespace Synomaly.Imaging.Dicom;

/// <summary>Builds the typed rejections of the DICOM reader. Messages name the problem, never patient data or file names.</summary>
internal static class DicomRejections
{
    public static ScanRejectedException Truncated(string what) => new(ScanRejectionCode.Truncated, "DICOM file is truncated: " + what);

    public static ScanRejectedException Malformed(string what) => new(ScanRejectionCode.Malformed, "DICOM structure is malformed: " + what);

    public static ScanRejectedException Limit(string what) => new(ScanRejectionCode.LimitExceeded, "DICOM read limit exceeded: " + what);

    public static ScanRejectedException PixelFormat(string what) => new(ScanRejectionCode.UnsupportedPixelFormat, "DICOM pixel format not supported: " + what);

    public static ScanRejectedException NotAnImage(string what) => new(ScanRejectionCode.NotAnImage, "DICOM object holds no image: " + what);

    public static ScanRejectedException Inconsistent(string what) => new(ScanRejectionCode.InconsistentSeries, "DICOM series cannot be assembled: " + what);

    public static ScanRejectedException UnsupportedSyntax(DicomTransferSyntax syntax, string? detail = null) =>
        new(ScanRejectionCode.UnsupportedTransferSyntax, string.Create(
            CultureInfo.InvariantCulture,
            $"DICOM transfer syntax {syntax.Uid} ({syntax.Name}) is not decoded by this build{(detail is null ? "; configure a transcoder (dcmtk or gdcm) to read it" : ": " + detail)}."));

    /// <summary>Wraps anything that is not already a rejection (decoder library failures, I/O errors) as malformed input.</summary>
    public static ScanRejectedException Wrap(Exception exception) => exception switch
    {
        ScanRejectedException rejected => rejected,
        OutOfMemoryException => new ScanRejectedException(ScanRejectionCode.LimitExceeded, "DICOM decoding ran out of memory.", exception),
        EndOfStreamException => new ScanRejectedException(ScanRejectionCode.Truncated, "DICOM data ended early.", exception),
        _ => new ScanRejectedException(ScanRejectionCode.Malformed, $"DICOM data could not be decoded ({exception.GetType().Name}).", exception),
    };
}
