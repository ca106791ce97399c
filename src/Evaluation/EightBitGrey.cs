namespace Synomaly.Evaluation;

/// <summary>
/// The lesion synthesizer works in 8-bit grey levels, as the IXI PNG slices are: it rounds a lesion's pixels to whole
/// levels and clamps them to 0..255. A slice on another scale (NIfTI or DICOM: thousands, negative values, fractions) is
/// mapped linearly onto 0..255 first, or a bright lesion would be clamped below the tissue around it. The brain preset
/// scales every slice by its own minimum and maximum, so the model sees the same healthy image either way.
/// </summary>
public static class EightBitGrey
{
    public const float MaxLevel = 255f;

    /// <summary><paramref name="pixels"/> itself when they are whole levels in 0..255, else their linear map onto 0..255.</summary>
    public static float[] Fit(float[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.All(v => v >= 0 && v <= MaxLevel && v == MathF.Round(v)))
        {
            return pixels;
        }

        float min = pixels.Min(), max = pixels.Max();
        if (!float.IsFinite(min) || !float.IsFinite(max) || max <= min)
        {
            throw new InvalidDataException("The slice has no finite grey range to insert a lesion into.");
        }

        float span = max - min;
        if (float.IsFinite(span))
        {
            // In float as always: pinned evaluation sets depend on every bit of these levels. The product can round a
            // hair above 255 at the top of the range (5.25 * (255 / 5.25) is 255.00002), outside the 8-bit range the
            // synthesizer works in: only such a level is clamped, every other keeps its bits.
            float scale = MaxLevel / span;
            return [.. pixels.Select(v => MathF.Min((v - min) * scale, MaxLevel))];
        }

        // Finite voxels spanning more than the float range (-3e38 and +3e38) overflowed max - min to infinity, a scale of
        // 0 and an all-black slice under the lesion; double holds the difference of two floats exactly.
        double wideScale = MaxLevel / ((double)max - min);
        return [.. pixels.Select(v => (float)(((double)v - min) * wideScale))];
    }
}
