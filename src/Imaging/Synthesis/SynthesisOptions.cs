namespace Synomaly.Imaging.Synthesis;

/// <summary>Ranges the synthesizer draws from. Defaults suit 1 mm brain MRI slices of about 200x230 pixels.</summary>
public sealed record SynthesisOptions
{
    /// <summary>Probability of a real lesion shape (when real shapes are given) instead of a procedural one.</summary>
    public double RealShapeProbability { get; init; } = 0.5;

    /// <summary>Radius range of procedural shapes, pixels (evaluation sets read the defaults as millimetres: <c>LesionCanvas.Options</c>).</summary>
    public double MinRadius { get; init; } = 4;

    public double MaxRadius { get; init; } = 16;

    /// <summary>Scale range applied to real shapes.</summary>
    public double MinScale { get; init; } = 0.6;

    public double MaxScale { get; init; } = 1.4;

    /// <summary>Largest lesion area as a fraction of the brain mask (keeps lesions plausible and inside).</summary>
    public double MaxBrainFraction { get; init; } = 0.2;

    public IReadOnlyList<IntensityModel> Models { get; init; } = [IntensityModel.Hypointense, IntensityModel.Hyperintense, IntensityModel.Textured];

    /// <summary>Grey range of the images (8-bit PNG slices).</summary>
    public float MaxValue { get; init; } = 255f;

    public int PlacementAttempts { get; init; } = 200;
}
