using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Synthesis;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Evaluation;

/// <summary>
/// How one modality's healthy slice receives a synthetic lesion: the 8-bit grey image the synthesizer works in, the region
/// the lesion must stay inside (the organ the preset prepares), and the slice the preset then prepares, healthy or with
/// the lesion. Chosen by the model's preset, so that lesions go where that modality's anomalies are looked for.
/// </summary>
public abstract class LesionCanvas
{
    /// <summary>
    /// The canvas of <paramref name="preset"/>'s modality: brain MRI and CT have one; ultrasound has none (null: its
    /// preset knows the imaged area, not the vessel wall where plaques grow), so its sets must be given with masks.
    /// </summary>
    public static LesionCanvas? For(IModalityPreset preset) => preset switch
    {
        BrainMriPreset => BrainLesionCanvas.Instance,
        CtPreset ct => new CtLesionCanvas(ct.WindowLowHu, ct.WindowHighHu),
        _ => null,
    };

    /// <summary>The refusal of synthetic lesions in <paramref name="file"/>, whose <paramref name="preset"/> has no canvas.</summary>
    /// <param name="position">Which file of which input it is (<see cref="InputPosition"/>): the message names no file.</param>
    public static EvaluationSetException Unsupported(IModalityPreset preset, string file, string position) => new(
        EvaluationSetProblem.SyntheticLesionsUnsupported,
        file,
        $"Synthetic lesions cannot be placed in {position} with the {preset?.Name} preset: it knows the imaged area, not the tissue where this modality's anomalies lie. "
        + "Tune and evaluate on your own scans instead: --healthy <healthy scans> and --anomalous <anomalous scans> with --masks <their masks>.");

    /// <summary>
    /// The synthesizer's ranges for <paramref name="slice"/>: <paramref name="standard"/>, its procedural radii (pixels of the
    /// 1 mm brain slices the defaults were made for) read as millimetres and turned into this slice's pixels. A 1 mm slice
    /// keeps them exactly, so every set built from 1 mm slices is drawn as it always was; a 0.5 mm slice gets lesions of
    /// twice the pixels, the same size in the body.
    /// </summary>
    public SynthesisOptions Options(Volume slice, SynthesisOptions standard)
    {
        ArgumentNullException.ThrowIfNull(standard);
        double mmPerPixel = MillimetresPerPixel(slice);
        double min = Math.Max(1, standard.MinRadius / mmPerPixel);
        return standard with { MinRadius = min, MaxRadius = Math.Max(min, standard.MaxRadius / mmPerPixel) };
    }

    /// <summary>The stored slice as 0..255 grey levels, the scale <see cref="LesionSynthesizer"/> works in.</summary>
    public abstract float[] Grey(float[] stored);

    /// <summary>Where the lesion may go in <paramref name="slice"/> (width x height, row-major).</summary>
    public abstract bool[] Region(Volume slice, float[] stored, float[] grey);

    /// <summary>The slice the preset prepares as the healthy case.</summary>
    public abstract float[] Healthy(float[] stored, float[] grey);

    /// <summary>The slice the preset prepares as the anomalous case: the healthy one with <paramref name="lesion"/> in it.</summary>
    public abstract float[] WithLesion(float[] stored, SynthesizedCase lesion);

    /// <summary>
    /// The side of <paramref name="slice"/>'s pixels in millimetres (the geometric mean of the two, for pixels that are not
    /// square); 1 for plain images, which record no spacing, and for a slice whose spacing is not a positive number.
    /// </summary>
    protected static double MillimetresPerPixel(Volume slice)
    {
        ArgumentNullException.ThrowIfNull(slice);
        double x = slice.Geometry.SpacingX, y = slice.Geometry.SpacingY;
        return SliceExtraction.IsPlainImage(slice) || !(x > 0) || !(y > 0) || !double.IsFinite(x * y) ? 1 : Math.Sqrt(x * y);
    }
}
