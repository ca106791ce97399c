using Synomaly.Imaging.Synthesis;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Evaluation;

/// <summary>
/// Brain MRI: the slice goes onto 0..255 (<see cref="EightBitGrey"/>; the brain preset scales every slice by its own
/// range, so the model sees the same healthy image) and lesions stay inside <see cref="BrainMaskEstimator"/>'s brain, the
/// skull and scalp eroded away. Margin and procedural radii are millimetres (<see cref="BrainMaskEstimator.MarginPixels"/>,
/// <see cref="LesionCanvas.Options"/>), so a 0.5 mm slice gets the lesions and margin of a 1 mm one, not half of them; on
/// the 1 mm slices every published number was made from they are the 12 and 4 to 16 pixels they always were.
/// </summary>
public sealed class BrainLesionCanvas : LesionCanvas
{
    public static BrainLesionCanvas Instance { get; } = new();

    private BrainLesionCanvas()
    {
    }

    public override float[] Grey(float[] stored) => EightBitGrey.Fit(stored);

    public override bool[] Region(Volume slice, float[] stored, float[] grey)
    {
        ArgumentNullException.ThrowIfNull(slice);
        return BrainMaskEstimator.Estimate(grey, slice.Width, slice.Height, erosionPixels: BrainMaskEstimator.MarginPixels(MillimetresPerPixel(slice)));
    }

    public override float[] Healthy(float[] stored, float[] grey) => grey;

    public override float[] WithLesion(float[] stored, SynthesizedCase lesion)
    {
        ArgumentNullException.ThrowIfNull(lesion);
        return lesion.Image;
    }
}
