namespace Synomaly.Imaging.Synthesis;

/// <summary>
/// One anomalous case: the image with the lesion inserted and its exact mask (true exactly where pixels changed), and the
/// parameters that produced it (recorded in the manifest so a set can be rebuilt and audited).
/// </summary>
public sealed record SynthesizedCase(float[] Image, bool[] Mask, int Width, int Height, LesionParameters Parameters);

/// <summary>Everything drawn for one case; together with the source image and seed it determines the case exactly.</summary>
public sealed record LesionParameters
{
    public required int Seed { get; init; }

    public required string ShapeKind { get; init; }

    /// <summary>Index into the real shape list, or -1 for procedural shapes.</summary>
    public int RealShapeIndex { get; init; } = -1;

    public required bool FlipHorizontal { get; init; }

    public required double RotationDegrees { get; init; }

    public required double Scale { get; init; }

    public required int CentreX { get; init; }

    public required int CentreY { get; init; }

    public required IntensityModel Model { get; init; }

    public required double TargetIntensity { get; init; }

    public required int Area { get; init; }
}
