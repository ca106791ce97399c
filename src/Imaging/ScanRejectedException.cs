namespace Synomaly.Imaging;

/// <summary>
/// The one exception type the Imaging module lets escape for bad input: a scan that cannot (or must not) be decoded.
/// <see cref="Code"/> is stable and machine-readable (it becomes the job's error code and the dead-letter reason);
/// the message names the problem in words (for example the unsupported transfer syntax UID) and never contains
/// patient data or file names.
/// </summary>
public sealed class ScanRejectedException : Exception
{
    public ScanRejectedException(ScanRejectionCode code, string message) : base(message) => Code = code;

    public ScanRejectedException(ScanRejectionCode code, string message, Exception inner) : base(message, inner) => Code = code;

    public ScanRejectionCode Code { get; }
}

/// <summary>Why a scan was rejected. Stable names: they appear in job records, dead-letter reasons and metrics.</summary>
public enum ScanRejectionCode
{
    /// <summary>The bytes are not a format the reader knows (wrong magic).</summary>
    UnknownFormat,

    /// <summary>The file ends before the structure it declares (truncated upload).</summary>
    Truncated,

    /// <summary>The structure is inconsistent (bad lengths, impossible values, corrupt compressed data).</summary>
    Malformed,

    /// <summary>A recognised format feature this build does not decode (for example JPEG 2000 without a converter).</summary>
    UnsupportedTransferSyntax,

    /// <summary>A valid file that holds no image (DICOM SR, SEG, RT, waveform; an empty archive).</summary>
    NotAnImage,

    /// <summary>A pixel layout this build does not decode (bit depth, sample count, colour model).</summary>
    UnsupportedPixelFormat,

    /// <summary>A size, dimension or decompressed-size limit was exceeded (checked before allocating).</summary>
    LimitExceeded,

    /// <summary>A series that cannot be assembled into one volume (mixed sizes or orientations with no majority).</summary>
    InconsistentSeries,

    /// <summary>An empty file.</summary>
    Empty,

    /// <summary>
    /// The scan states a modality (DICOM MR, CT, US), or the request names one, other than the one the model was trained
    /// for: its map would look as confident as a real one.
    /// </summary>
    ModalityMismatch,

    /// <summary>The preset keeps no slice of the scan (for CT: none has tissue in the organ window), so there is nothing to answer.</summary>
    NoUsableSlices,

    /// <summary>The slices are smaller than the least a preset can prepare honestly (a strip or a few pixels).</summary>
    ImageTooSmall,

    /// <summary>Every slice holds one value throughout: no structure for the model to judge.</summary>
    ConstantImage,

    /// <summary>
    /// The scan is stored in another plane than the model reads (sagittal or coronal slices for an axial model), and
    /// reoriented it gives no usable slices: too few pixels a side, or pixels far longer than wide (thick 2-D slices).
    /// </summary>
    UnsupportedOrientation,
}
