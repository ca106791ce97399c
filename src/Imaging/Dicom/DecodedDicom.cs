using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Dicom;

/// <summary>One decoded file: grey voxels of all its frames (x fastest, then y, then frame), with what assembly needs.</summary>
internal sealed record DecodedDicom(
    float[] Voxels,
    PixelDescription Pixels,
    SliceGeometry[] Frames,
    DicomTransferSyntax Syntax,
    Modality Modality,
    string? SeriesInstanceUid,
    int? InstanceNumber,
    bool IsLocalizer,
    IReadOnlyList<string> Notes)
{
    /// <summary>For colour and palette files: the blue channel of every frame, laid out as <see cref="Voxels"/>; null otherwise.</summary>
    public float[]? BlueChannel { get; init; }

    /// <summary>Whether the file's frames step through time (<see cref="FrameIncrement.IsTemporal"/>), not through space.</summary>
    public bool FramesAreTimePoints { get; init; }
}
