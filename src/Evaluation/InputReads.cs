using Synomaly.Imaging.Dicom;

namespace Synomaly.Evaluation;

/// <summary>
/// Reads of the files an input names, long after the input was listed (hashing, decoding), told by the input's option
/// when the file system refuses one (no permission on a file of a readable folder, a link to nowhere). .NET's error quotes
/// the path, which the command line cannot print (file names can carry patient data), so without the option a command with
/// several inputs could only say "cannot read the input", where the listing's own failure named it
/// (<see cref="InputListingException"/>).
/// </summary>
public static class InputReads
{
    /// <summary>
    /// Runs <paramref name="read"/>, a read of files given to <paramref name="option"/>; a file-system failure is rethrown as
    /// an <see cref="InputListingException"/> of that option, the failure beneath. Passed through: a failure that names its
    /// input already (<see cref="InputNotFoundException"/>, <see cref="InputListingException"/>), and a DICOM transcoder's
    /// fault (<see cref="DicomTranscoderFaultException"/>), which is the machine's, not the input's.
    /// </summary>
    public static T Guard<T>(string option, Func<T> read)
    {
        ArgumentException.ThrowIfNullOrEmpty(option);
        ArgumentNullException.ThrowIfNull(read);
        try
        {
            return read();
        }
        catch (Exception e) when (e is (IOException or UnauthorizedAccessException) and not (InputNotFoundException or InputListingException or DicomTranscoderFaultException))
        {
            throw new InputListingException($"A file of the input given to {option} cannot be read.", e) { Option = option };
        }
    }
}
