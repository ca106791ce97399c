namespace Synomaly.Imaging.Dicom;

/// <summary>
/// Technical header facts of one DICOM file, for <c>synomaly inspect</c>. Holds no patient data (no names, ids, dates,
/// descriptions). Image fields are null for objects without an image pixel module.
/// </summary>
public sealed record DicomInfo
{
    public required string TransferSyntaxUid { get; init; }

    public required string TransferSyntaxName { get; init; }

    /// <summary>Whether this build decodes the transfer syntax's pixel data itself (without a transcoder).</summary>
    public required bool TransferSyntaxDecodable { get; init; }

    public string? SopClassUid { get; init; }

    public required string SopClassName { get; init; }

    /// <summary>Why the object is not an image for this service (SR, SEG, RT, waveform...), or null.</summary>
    public string? NonImageReason { get; init; }

    /// <summary>The Modality tag as written (MR, CT, US, ...).</summary>
    public string? Modality { get; init; }

    public required bool HasPixelData { get; init; }

    public int? Rows { get; init; }

    public int? Columns { get; init; }

    public int? Frames { get; init; }

    public int? SamplesPerPixel { get; init; }

    public int? BitsAllocated { get; init; }

    public int? BitsStored { get; init; }

    /// <summary>PixelRepresentation 1: signed samples.</summary>
    public bool? Signed { get; init; }

    public string? PhotometricInterpretation { get; init; }

    /// <summary>Pixel spacing in mm between columns (x) and between rows (y).</summary>
    public double? SpacingX { get; init; }

    public double? SpacingY { get; init; }

    public double? SliceThickness { get; init; }

    public double? SpacingBetweenSlices { get; init; }

    public double? RescaleSlope { get; init; }

    public double? RescaleIntercept { get; init; }

    /// <summary>Lenient-reading notes (for example "no preamble or meta header").</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
}
