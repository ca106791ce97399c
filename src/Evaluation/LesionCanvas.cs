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
    public static EvaluationSetException Unsupported(IModalityPreset preset, string file) => new(
        EvaluationSetProblem.SyntheticLesionsUnsupported,
        file,
        $"Synthetic lesions cannot be placed in {Path.GetFileName(file)} with the {preset?.Name} preset: it knows the imaged area, not the tissue where this modality's anomalies lie. "
        + "Tune and evaluate on your own scans instead: --healthy <healthy scans> and --anomalous <anomalous scans> with --masks <their masks>.");

    /// <summary>The synthesizer's ranges for <paramref name="slice"/>: <paramref name="standard"/> unless the modality adapts them.</summary>
    public virtual SynthesisOptions Options(Volume slice, SynthesisOptions standard) => standard;

    /// <summary>The stored slice as 0..255 grey levels, the scale <see cref="LesionSynthesizer"/> works in.</summary>
    public abstract float[] Grey(float[] stored);

    /// <summary>Where the lesion may go (width x height, row-major).</summary>
    public abstract bool[] Region(float[] stored, float[] grey, int width, int height);

    /// <summary>The slice the preset prepares as the healthy case.</summary>
    public abstract float[] Healthy(float[] stored, float[] grey);

    /// <summary>The slice the preset prepares as the anomalous case: the healthy one with <paramref name="lesion"/> in it.</summary>
    public abstract float[] WithLesion(float[] stored, SynthesizedCase lesion);
}
