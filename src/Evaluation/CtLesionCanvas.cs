using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Synthesis;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Evaluation;

/// <summary>
/// CT: lesions stay inside the CT preset's foreground, the pixels within its Hounsfield window (liver: 0 to 150 HU, soft
/// tissue; air, fat and bone are outside). The synthesizer sees the window as 0..255 grey levels, so a lesion's contrast
/// is set against the soft tissue and its values stay within the window; the lesion's pixels go back to Hounsfield units
/// and every other pixel keeps its stored value, so the healthy case is the scan exactly as the preset reads it.
/// Procedural radii are the standard ones read as millimetres (<see cref="LesionCanvas.Options"/>): a CT slice's pixels are
/// often 0.7 to 3 mm, and 16 pixels of 3 mm would not fit in a liver.
/// </summary>
public sealed class CtLesionCanvas(double windowLowHu, double windowHighHu) : LesionCanvas
{
    private readonly float low = (float)windowLowHu;
    private readonly float high = (float)windowHighHu;

    private float LevelsPerHu => EightBitGrey.MaxLevel / (high - low);

    public override float[] Grey(float[] stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return [.. stored.Select(v => (Math.Clamp(v, low, high) - low) * LevelsPerHu)];
    }

    public override bool[] Region(Volume slice, float[] stored, float[] grey)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return [.. stored.Select(v => v >= low && v <= high)];
    }

    public override float[] Healthy(float[] stored, float[] grey) => stored;

    public override float[] WithLesion(float[] stored, SynthesizedCase lesion)
    {
        ArgumentNullException.ThrowIfNull(stored);
        ArgumentNullException.ThrowIfNull(lesion);
        var result = stored.ToArray();
        for (int p = 0; p < result.Length; p++)
        {
            if (lesion.Mask[p])
            {
                result[p] = low + (lesion.Image[p] / LevelsPerHu);
            }
        }

        return result;
    }
}
