namespace Synomaly.Imaging;

/// <summary>
/// The difference of two floats as scaling code has always taken it, in float, except where that overflows: finite voxels
/// may span more than the float range (-3e38 and +3e38 in a float32 NIfTI), and their difference is then taken in double,
/// which holds it exactly. Computing in double everywhere would move the last bit of ordinary outputs, which pinned
/// scores and hashes depend on; the float path is kept wherever it is finite, so only slices that overflowed change.
/// </summary>
internal static class FloatDifference
{
    /// <summary><paramref name="a"/> - <paramref name="b"/>, rounded to float unless that is infinite (then in double).</summary>
    public static double Of(float a, float b)
    {
        float difference = a - b;
        // Also NaN stays NaN: with a NaN or infinite operand the double difference is not finite either.
        return float.IsFinite(difference) ? difference : (double)a - b;
    }
}
