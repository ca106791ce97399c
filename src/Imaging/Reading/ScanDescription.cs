using Synomaly.Contracts;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Reading;

/// <summary>What the reader understood about a scan: technical facts only, never patient data or file names.</summary>
public sealed record ScanDescription
{
    public required ScanFormat Format { get; init; }

    public string? TransferSyntaxUid { get; init; }

    public int Width { get; init; }

    public int Height { get; init; }

    public int Depth { get; init; }

    public double SpacingX { get; init; }

    public double SpacingY { get; init; }

    public double SpacingZ { get; init; }

    public Modality Modality { get; init; }

    public string? PhotometricInterpretation { get; init; }

    public int BitsStored { get; init; }

    public float MinValue { get; init; }

    public float MaxValue { get; init; }

    public IReadOnlyList<string> Notes { get; init; } = [];

    public static ScanDescription Of(Volume volume)
    {
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float v in volume.Voxels)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        return new ScanDescription
        {
            Format = volume.Provenance.Format,
            TransferSyntaxUid = volume.Provenance.TransferSyntaxUid,
            Width = volume.Width,
            Height = volume.Height,
            Depth = volume.Depth,
            SpacingX = volume.Geometry.SpacingX,
            SpacingY = volume.Geometry.SpacingY,
            SpacingZ = volume.Geometry.SpacingZ,
            Modality = volume.Modality,
            PhotometricInterpretation = volume.Provenance.PhotometricInterpretation,
            BitsStored = volume.Provenance.BitsStored,
            MinValue = min,
            MaxValue = max,
            Notes = volume.Provenance.Notes,
        };
    }
}
