namespace Synomaly.GpuWorker.Options;

/// <summary>Whether the worker decompresses the DICOM syntaxes the reader does not decode itself (<c>Worker__DicomTranscoder</c>).</summary>
public enum DicomTranscoderMode
{
    /// <summary>
    /// Use gdcm's or dcmtk's tools when they are on PATH (the image built with <c>DICOM_TOOLS=true</c>); without them
    /// those syntaxes are rejected by name, as with <see cref="Off"/>.
    /// </summary>
    Auto = 0,

    /// <summary>Never run an external tool: JPEG lossless, JPEG-LS and JPEG 2000 DICOM are rejected by name.</summary>
    Off,
}
