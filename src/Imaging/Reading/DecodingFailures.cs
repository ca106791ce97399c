using Synomaly.Contracts;

namespace Synomaly.Imaging.Reading;

/// <summary>
/// The one mapping from the exceptions a decoder lets slip (its own bugs on hostile bytes: an index past an array, a null
/// where a header field was expected) to typed rejections, shared by <see cref="ScanReader"/> and the public readers
/// that call third-party decoders, so a reader called directly rejects a bad file with the same code as through
/// <see cref="ScanReader"/>. Only cancellation and I/O failures of the source stream itself (a broken download: transient,
/// worth a retry) pass through unchanged, and a DICOM transcoder's machine faults, which are I/O failures too
/// (<see cref="Dicom.DicomTranscoderFaultException"/>).
/// </summary>
internal static class DecodingFailures
{
    /// <summary>Runs a decoder and converts any failure that is not already typed into a rejection naming the format.</summary>
    public static T Guard<T>(ScanFormat format, Func<T> decode)
    {
        try
        {
            return decode();
        }
        catch (ScanRejectedException)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (EndOfStreamException e)
        {
            throw new ScanRejectedException(ScanRejectionCode.Truncated, $"The {format} file ends early.", e);
        }
        catch (InvalidDataException e)
        {
            throw new ScanRejectedException(ScanRejectionCode.Malformed, $"The {format} file holds corrupt compressed data.", e);
        }
        catch (OutOfMemoryException e)
        {
            throw new ScanRejectedException(ScanRejectionCode.LimitExceeded, $"Decoding the {format} file needs more memory than is available.", e);
        }
        catch (IOException)
        {
            // The source stream failed (network, disk): not a property of the scan.
            throw;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or NotSupportedException or IndexOutOfRangeException
                                      or OverflowException or ArithmeticException or FormatException or NullReferenceException)
        {
            throw new ScanRejectedException(ScanRejectionCode.Malformed, $"The {format} file is inconsistent and cannot be decoded ({e.GetType().Name}).", e);
        }
    }
}
