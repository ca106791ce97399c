namespace Synomaly.Imaging.Presets;

/// <summary>How a model-size slice is scaled to [-1, 1].</summary>
public sealed record IntensityScaling
{
    /// <summary>The reference (ALGORITHM.md 4.1): per-image min-max, so every slice spans exactly [-1, 1].</summary>
    public static IntensityScaling MinMax { get; } = new();

    /// <summary>
    /// Robust scaling (ALGORITHM.md section 6 item 11): clip to the given percentiles of the slice first, so that a few
    /// outlier voxels (MRI vessels, metal in CT) do not compress the dynamic range. Not what the reference trained with.
    /// </summary>
    public static IntensityScaling Percentile(double lower = 0.5, double upper = 99.5) => new() { LowerPercentile = lower, UpperPercentile = upper };

    /// <summary>Null for plain min-max.</summary>
    public double? LowerPercentile { get; init; }

    public double? UpperPercentile { get; init; }

    /// <summary>
    /// Scales <paramref name="pixels"/> in place to [-1, 1], never past either end; a NaN pixel stays NaN (the engine
    /// refuses non-finite slices) and the others are scaled as if it were not there. A constant slice (max = min) becomes
    /// all -1 rather than dividing by zero: it carries no structure, and -1 is where background sits after scaling.
    /// </summary>
    public void Apply(Span<float> pixels)
    {
        if (pixels.IsEmpty)
        {
            return;
        }

        float low, high;
        if (LowerPercentile is { } lo && UpperPercentile is { } hi)
        {
            var all = pixels.ToArray();
            Array.Sort(all);
            // NaN sorts first: the percentiles are those of the other pixels, as the minimum and maximum below are.
            var sorted = all.AsSpan(CountNaN(all));
            low = sorted.IsEmpty ? float.NaN : PercentileOf(sorted, lo);
            high = sorted.IsEmpty ? float.NaN : PercentileOf(sorted, hi);
            for (int i = 0; i < pixels.Length; i++)
            {
                pixels[i] = Math.Clamp(pixels[i], low, high);
            }
        }
        else
        {
            low = float.PositiveInfinity;
            high = float.NegativeInfinity;
            // Compared, not Math.Min/Max, which answer NaN for a NaN pixel: the range became NaN and the whole slice -1, a
            // constant background where the engine should have seen (and refused) a non-finite pixel. NaN compares false.
            foreach (float v in pixels)
            {
                if (v < low)
                {
                    low = v;
                }

                if (v > high)
                {
                    high = v;
                }
            }
        }

        double range = (double)high - low;
        for (int i = 0; i < pixels.Length; i++)
        {
            // In float as always where that is finite (pinned outputs depend on every bit), in double where x - low
            // overflows: a slice spanning more than the float range became infinite and was refused. The float
            // difference can round up against the exact range, so the brightest pixel came out 1.0000001; the clamp
            // takes such a step back to 1 and leaves every value inside [-1, 1] as it was.
            if (float.IsNaN(pixels[i]))
            {
                // Left NaN, for the engine to refuse the slice as non-finite (Math.Clamp would keep it NaN too).
                continue;
            }

            pixels[i] = range > 0 ? Math.Clamp((float)((2.0 * FloatDifference.Of(pixels[i], low) / range) - 1.0), -1f, 1f) : -1f;
        }
    }

    /// <summary>Linear interpolation between order statistics (NumPy's default percentile method).</summary>
    private static int CountNaN(float[] sorted)
    {
        int count = 0;
        while (count < sorted.Length && float.IsNaN(sorted[count]))
        {
            count++;
        }

        return count;
    }

    private static float PercentileOf(ReadOnlySpan<float> sorted, double percent)
    {
        double rank = Math.Clamp(percent, 0, 100) / 100.0 * (sorted.Length - 1);
        int below = (int)Math.Floor(rank);
        int above = Math.Min(below + 1, sorted.Length - 1);
        // The gap between neighbours can exceed the float range (-3e38 next to +3e38); it overflowed to infinity, and to
        // NaN where the rank fell on a neighbour exactly (infinity x 0).
        return (float)(sorted[below] + (FloatDifference.Of(sorted[above], sorted[below]) * (rank - below)));
    }
}
