namespace Synomaly.Contracts;

/// <summary>
/// The short names of the modalities a model is trained for: <c>synomaly train --modality</c> takes them and the model card
/// records them (preprocessing.modality, and the name of its starting inference profile).
/// </summary>
public static class ModalityNames
{
    public const string BrainMri = "brain-mri";

    public const string LiverCt = "liver-ct";

    public const string CarotidUltrasound = "carotid-us";

    public static IReadOnlyList<string> All { get; } = [BrainMri, LiverCt, CarotidUltrasound];

    public static string Of(ModalityHint hint) => hint switch
    {
        ModalityHint.BrainMri => BrainMri,
        ModalityHint.LiverCt => LiverCt,
        ModalityHint.CarotidUltrasound => CarotidUltrasound,
        _ => throw new ArgumentOutOfRangeException(nameof(hint), hint, "Only a concrete modality has a name."),
    };

    /// <summary>
    /// The modality a model card records: null (none recorded) is <see cref="ModalityHint.Auto"/>; an unknown name is an
    /// <see cref="ArgumentException"/> naming the choices, so a card nobody can honour fails at load, not per scan.
    /// </summary>
    public static ModalityHint ParseRecorded(string? name) =>
        name is null ? ModalityHint.Auto
        : TryParse(name, out var hint) ? hint
        : throw new ArgumentException($"Unknown modality '{name}' (expected {string.Join(", ", All)}).", nameof(name));

    /// <summary>Reads a short name or a <see cref="ModalityHint"/> member name (case-insensitive); never yields Auto.</summary>
    public static bool TryParse(string? name, out ModalityHint hint)
    {
        hint = name?.Trim().ToLowerInvariant() switch
        {
            BrainMri or "brainmri" => ModalityHint.BrainMri,
            LiverCt or "liverct" => ModalityHint.LiverCt,
            CarotidUltrasound or "carotidultrasound" => ModalityHint.CarotidUltrasound,
            _ => ModalityHint.Auto,
        };
        return hint != ModalityHint.Auto;
    }
}
