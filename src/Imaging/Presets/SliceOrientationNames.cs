namespace Synomaly.Imaging.Presets;

/// <summary>The names a model card records for a <see cref="SliceOrientation"/> (preprocessing.slice_orientation).</summary>
public static class SliceOrientationNames
{
    public const string Display = "display";

    public const string ReferenceArray = "reference-array";

    public static IReadOnlyList<string> All { get; } = [Display, ReferenceArray];

    public static string Of(SliceOrientation orientation) => orientation switch
    {
        SliceOrientation.Display => Display,
        SliceOrientation.ReferenceArray => ReferenceArray,
        _ => throw new ArgumentOutOfRangeException(nameof(orientation), orientation, "Not a slice orientation."),
    };

    /// <summary>
    /// The orientation a model card records: null (cards written before the field existed) is <see cref="SliceOrientation.Display"/>,
    /// the layout every model this project trained uses; an unknown name is an <see cref="ArgumentException"/> naming the
    /// choices, so a card nobody can honour fails at load, not per scan.
    /// </summary>
    public static SliceOrientation ParseRecorded(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        null or Display => SliceOrientation.Display,
        ReferenceArray => SliceOrientation.ReferenceArray,
        _ => throw new ArgumentException($"Unknown slice orientation '{name}' (expected {string.Join(", ", All)}).", nameof(name)),
    };
}
