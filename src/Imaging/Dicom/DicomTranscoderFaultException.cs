namespace Synomaly.Imaging.Dicom;

/// <summary>
/// A transcoder could not run because of the machine it runs on (its temporary folder could not be made or written, a
/// full disk, a tool that cannot be started), not because of the scan. The DICOM reader lets it through instead of
/// rejecting the file: the same scan reads on a healthy machine, so it is a fault to retry, not a verdict on the scan.
/// An <see cref="IOException"/>, so callers that retry I/O faults (the worker's classifier) treat it as one.
/// </summary>
public sealed class DicomTranscoderFaultException : IOException
{
    public DicomTranscoderFaultException()
    {
    }

    public DicomTranscoderFaultException(string message)
        : base(message)
    {
    }

    public DicomTranscoderFaultException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
