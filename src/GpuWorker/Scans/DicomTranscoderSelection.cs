using Microsoft.Extensions.Logging;
using Synomaly.GpuWorker.Options;
using Synomaly.Imaging.Dicom;

namespace Synomaly.GpuWorker.Scans;

/// <summary>
/// Picks the DICOM transcoder <c>Worker__DicomTranscoder</c> asks for, once at start, and says in the log which one it
/// is, so that an operator can tell why JPEG 2000 or JPEG-LS scans are (or are not) read.
/// </summary>
public static partial class DicomTranscoderSelection
{
    /// <param name="searchPath">Where to look for the tools; the PATH variable when null.</param>
    public static IDicomTranscoder? Select(DicomTranscoderMode mode, ILogger logger, string? searchPath = null)
    {
        ArgumentNullException.ThrowIfNull(logger);
        if (mode == DicomTranscoderMode.Off)
        {
            LogOff(logger);
            return null;
        }

        var transcoder = DicomToolTranscoder.Detect(searchPath);
        if (transcoder is null)
        {
            LogNoTools(logger);
        }
        else
        {
            LogTools(logger, transcoder.Name);
        }

        return transcoder;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "DICOM transcoder off (Worker__DicomTranscoder=Off): JPEG lossless, JPEG-LS and JPEG 2000 DICOM are rejected")]
    private static partial void LogOff(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "No DICOM transcoder: neither gdcm nor dcmtk is on PATH, so JPEG lossless, JPEG-LS and JPEG 2000 DICOM are rejected")]
    private static partial void LogNoTools(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "DICOM transcoder: {Tools} decompress the syntaxes the reader does not decode")]
    private static partial void LogTools(ILogger logger, string tools);
}
