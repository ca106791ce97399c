using Synomaly.Contracts;

namespace Synomaly.Imaging.Volumes;

/// <summary>
/// What a volume was read from, for writing results back in the source geometry and for reports. Holds no patient data:
/// no names, ids or dates; only technical facts about the encoding.
/// </summary>
public sealed record VolumeProvenance
{
    public required ScanFormat Format { get; init; }

    /// <summary>DICOM transfer syntax UID, or null for other formats.</summary>
    public string? TransferSyntaxUid { get; init; }

    /// <summary>Photometric interpretation or colour model that was converted to grey (for example "MONOCHROME2", "RGB").</summary>
    public string? PhotometricInterpretation { get; init; }

    public int BitsStored { get; init; }

    /// <summary>For NIfTI inputs: the original header bytes, so outputs can be written with identical geometry fields.</summary>
    public byte[]? NiftiHeader { get; init; }

    /// <summary>
    /// True where the file gave no usable pixel spacing (DICOM without PixelSpacing, NIfTI with a pixdim of 0 or NaN) and
    /// 1 mm was assumed, so reports do not present areas and volumes as measured.
    /// </summary>
    public bool SpacingAssumed { get; init; }

    /// <summary>
    /// True where the step between slices is not measured, so reports do not present volumes as measured (areas, from the
    /// pixel spacing, still are): DICOM slices without positions whose step fell back to SliceThickness (which is not
    /// the distance between slices) or to 1 mm, and always the frames of a cine (<see cref="FramesAreTimePoints"/>). A
    /// single slice with a SliceThickness is measured: its slab is that thick.
    /// </summary>
    public bool SliceSpacingAssumed { get; init; }

    /// <summary>
    /// True where the slices are the time frames of one plane (a DICOM cine: one file, no per-frame positions, its Frame
    /// Increment Pointer naming Frame Time or Frame Time Vector), so a volume over them would add up the same anatomy
    /// at several times.
    /// </summary>
    public bool FramesAreTimePoints { get; init; }

    /// <summary>Free-form notes on lenient decoding decisions (for example "4-D input: first volume used").</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>
    /// The notes, among <see cref="Notes"/>, on repairs that changed what the model sees (non-finite voxels set to 0, one
    /// volume of a 4-D file used, slices dropped from a mixed series, a volume reoriented to axial slices, an oblique acquisition), in fixed wording that holds numbers but no text from
    /// the file, so that report.json can carry them: a result must not hide that its input was repaired.
    /// </summary>
    public IReadOnlyList<string> ReportNotes { get; init; } = [];
}
