using System.Globalization;
using System.Text.RegularExpressions;

namespace Synomaly.Imaging.Dicom;

/// <summary>Builds the typed rejections of the DICOM reader. Messages name the problem, never patient data or file names.</summary>
internal static partial class DicomRejections
{
    /// <summary>The photometric interpretations the standard defines (PS3.3 C.7.6.3.1.2), retired ones included.</summary>
    private static readonly HashSet<string> StandardPhotometric =
    [
        "MONOCHROME1", "MONOCHROME2", "PALETTE COLOR", "RGB", "HSV", "ARGB", "CMYK", "YBR_FULL", "YBR_FULL_422",
        "YBR_PARTIAL_422", "YBR_PARTIAL_420", "YBR_ICT", "YBR_RCT", "XYB",
    ];

    /// <summary>
    /// A UID read from the file, as a message may show it: only if it is a UID (digits and dots, at most 64). A
    /// non-conforming file can put any text in a UID element, patient data included, and messages reach job records.
    /// </summary>
    public static string ShownUid(string? uid) => uid is not null && UidPattern().IsMatch(uid) ? uid : "(not shown: not a UID)";

    /// <summary>A photometric interpretation read from the file, shown only if the standard defines it (as <see cref="ShownUid"/>).</summary>
    public static string ShownPhotometric(string? value) => value is not null && StandardPhotometric.Contains(value) ? value : "(not shown: not a defined term)";

    public static ScanRejectedException Truncated(string what) => new(ScanRejectionCode.Truncated, "DICOM file is truncated: " + what);

    public static ScanRejectedException Malformed(string what) => new(ScanRejectionCode.Malformed, "DICOM structure is malformed: " + what);

    public static ScanRejectedException Limit(string what) => new(ScanRejectionCode.LimitExceeded, "DICOM read limit exceeded: " + what);

    /// <summary>
    /// A limit the reading machine ran into rather than the file's declared sizes (a tool's running time): the cause is
    /// kept as the inner exception, so a caller can tell such a rejection from a file that is simply too large.
    /// </summary>
    public static ScanRejectedException Limit(string what, Exception cause) => new(ScanRejectionCode.LimitExceeded, "DICOM read limit exceeded: " + what, cause);

    public static ScanRejectedException PixelFormat(string what) => new(ScanRejectionCode.UnsupportedPixelFormat, "DICOM pixel format not supported: " + what);

    public static ScanRejectedException NotAnImage(string what) => new(ScanRejectionCode.NotAnImage, "DICOM object holds no image: " + what);

    public static ScanRejectedException Inconsistent(string what) => new(ScanRejectionCode.InconsistentSeries, "DICOM series cannot be assembled: " + what);

    /// <param name="suggestTools">
    /// Whether to say how to read the syntax after all: which tools to install where the scan is decoded (only where
    /// <see cref="DicomToolTranscoder"/> covers the syntax; not after a tool already failed on it).
    /// </param>
    public static ScanRejectedException UnsupportedSyntax(DicomTransferSyntax syntax, string? detail = null, bool suggestTools = true)
    {
        string? tools = suggestTools ? DicomToolTranscoder.ToolsFor(syntax.Uid) : null;
        string why = detail is null ? "" : ": " + detail.TrimEnd('.');
        string remedy = tools is null
            ? ""
            : $"; to read it, install {tools} where scans are decoded (the worker image built with DICOM_TOOLS=true) and leave the DICOM transcoder on (Worker__DicomTranscoder=Auto, the default)";
        return new(ScanRejectionCode.UnsupportedTransferSyntax, $"DICOM transfer syntax {ShownUid(syntax.Uid)} ({syntax.Name}) is not decoded by this build{why}{remedy}.");
    }

    /// <summary>
    /// Wraps anything decoding threw that is not already a rejection (decoder library failures, a corrupt zip's
    /// IOException) as malformed input. Never given the source stream's own failures: the reader reads the bytes first.
    /// </summary>
    public static ScanRejectedException Wrap(Exception exception) => exception switch
    {
        ScanRejectedException rejected => rejected,
        OutOfMemoryException => new ScanRejectedException(ScanRejectionCode.LimitExceeded, "DICOM decoding ran out of memory.", exception),
        EndOfStreamException => new ScanRejectedException(ScanRejectionCode.Truncated, "DICOM data ended early.", exception),
        _ => new ScanRejectedException(ScanRejectionCode.Malformed, $"DICOM data could not be decoded ({exception.GetType().Name}).", exception),
    };

    [GeneratedRegex(@"^[0-9.]{1,64}$")]
    private static partial Regex UidPattern();
}
