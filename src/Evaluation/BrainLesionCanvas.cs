using Synomaly.Imaging.Synthesis;

namespace Synomaly.Evaluation;

/// <summary>
/// Brain MRI: the slice goes onto 0..255 (<see cref="EightBitGrey"/>; the brain preset scales every slice by its own
/// range, so the model sees the same healthy image) and lesions stay inside <see cref="BrainMaskEstimator"/>'s brain, the
/// skull and scalp eroded away. Every published number was made this way.
/// </summary>
public sealed class BrainLesionCanvas : LesionCanvas
{
    public static BrainLesionCanvas Instance { get; } = new();

    private BrainLesionCanvas()
    {
    }

    public override float[] Grey(float[] stored) => EightBitGrey.Fit(stored);

    public override bool[] Region(float[] stored, float[] grey, int width, int height) => BrainMaskEstimator.Estimate(grey, width, height);

    public override float[] Healthy(float[] stored, float[] grey) => grey;

    public override float[] WithLesion(float[] stored, SynthesizedCase lesion)
    {
        ArgumentNullException.ThrowIfNull(lesion);
        return lesion.Image;
    }
}
