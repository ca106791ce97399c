namespace Synomaly.Evaluation;

/// <summary>
/// Ground-truth masks to the model grid as the reference does (ALGORITHM.md section 6 item 10): bilinear interpolation
/// without anti-aliasing (cv2.resize INTER_LINEAR, half-pixel centres), then "any non-zero" is anomalous.
/// </summary>
public static class MaskResampling
{
    public static bool[] Resize(ReadOnlySpan<bool> mask, int width, int height, int outWidth, int outHeight)
    {
        var result = new bool[outWidth * outHeight];
        double sx = (double)width / outWidth, sy = (double)height / outHeight;
        for (int y = 0; y < outHeight; y++)
        {
            double fy = Math.Clamp(((y + 0.5) * sy) - 0.5, 0, height - 1);
            int y0 = (int)Math.Floor(fy), y1 = Math.Min(y0 + 1, height - 1);
            double wy = fy - y0;
            for (int x = 0; x < outWidth; x++)
            {
                double fx = Math.Clamp(((x + 0.5) * sx) - 0.5, 0, width - 1);
                int x0 = (int)Math.Floor(fx), x1 = Math.Min(x0 + 1, width - 1);
                double wx = fx - x0;
                double v = ((1 - wy) * (((1 - wx) * Value(mask, x0, y0, width)) + (wx * Value(mask, x1, y0, width))))
                    + (wy * (((1 - wx) * Value(mask, x0, y1, width)) + (wx * Value(mask, x1, y1, width))));
                result[x + (outWidth * y)] = v > 0;
            }
        }

        return result;
    }

    private static double Value(ReadOnlySpan<bool> mask, int x, int y, int width) => mask[x + (width * y)] ? 1 : 0;
}
