using Synomaly.Imaging.Dicom;
using Synomaly.Imaging.Reading;

namespace Synomaly.Cli.Detection;

/// <summary>
/// How the CLI reads local scans: the default limits, with the DICOM syntaxes the reader does not decode (JPEG lossless,
/// JPEG-LS, JPEG 2000) handed to gdcm or dcmtk where they are on PATH, as the worker does with
/// <c>Worker__DicomTranscoder=Auto</c>. Looked up when a command runs, not when the command line is built.
/// </summary>
public static class LocalScanReading
{
    public static ScanReadOptions Options() => new() { DicomTranscoder = DicomToolTranscoder.Detect() };
}
