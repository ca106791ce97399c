namespace Synomaly.Diffusion.Metrics;

/// <summary>
/// SSIM as the reference computes it: <c>skimage.metrics.structural_similarity(x0, x̂, data_range = x0.max() − x0.min())</c>
/// with its defaults (7×7 uniform window, K1 0.01, K2 0.03, sample covariance N/(N−1)), averaged over the pixels whose
/// window lies inside the image (a 3-pixel border cropped). NaN for a constant x0, whose data range is 0, as in the reference.
/// </summary>
public static class StructuralSimilarity
{
    private const int Window = 7;
    private const double K1 = 0.01, K2 = 0.03;

    public static double Compute(ReadOnlySpan<float> image, ReadOnlySpan<float> reconstruction, int height, int width)
    {
        if (image.Length != height * width || reconstruction.Length != image.Length)
        {
            throw new ArgumentException($"Expected two images of {height}x{width} pixels, got {image.Length} and {reconstruction.Length}.", nameof(reconstruction));
        }

        if (height < Window || width < Window)
        {
            throw new ArgumentException($"SSIM needs images of at least {Window}x{Window} pixels, got {height}x{width}.", nameof(image));
        }

        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        foreach (float v in image)
        {
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }

        double range = max - min;
        double c1 = (K1 * range) * (K1 * range), c2 = (K2 * range) * (K2 * range);
        double n = Window * Window, covarianceNorm = n / (n - 1);

        // Summed-area tables of x, y, x², y², xy: every 7×7 window sum in O(1).
        var sums = new SummedArea[5];
        for (int k = 0; k < sums.Length; k++)
        {
            sums[k] = new SummedArea(height, width);
        }

        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                double a = image[y * width + x], b = reconstruction[y * width + x];
                sums[0].Set(y, x, a);
                sums[1].Set(y, x, b);
                sums[2].Set(y, x, a * a);
                sums[3].Set(y, x, b * b);
                sums[4].Set(y, x, a * b);
            }
        }

        double total = 0;
        int half = Window / 2, count = 0;
        for (int y = half; y < height - half; y++)
        {
            for (int x = half; x < width - half; x++)
            {
                double ux = sums[0].Window(y, x, half) / n, uy = sums[1].Window(y, x, half) / n;
                double vx = covarianceNorm * ((sums[2].Window(y, x, half) / n) - (ux * ux));
                double vy = covarianceNorm * ((sums[3].Window(y, x, half) / n) - (uy * uy));
                double vxy = covarianceNorm * ((sums[4].Window(y, x, half) / n) - (ux * uy));
                total += ((2 * ux * uy) + c1) * ((2 * vxy) + c2) / (((ux * ux) + (uy * uy) + c1) * (vx + vy + c2));
                count++;
            }
        }

        return total / count;
    }

    private sealed class SummedArea(int height, int width)
    {
        private readonly double[] _table = new double[(height + 1) * (width + 1)];

        /// <summary>Adds pixel (y, x); pixels must come row by row, left to right.</summary>
        public void Set(int y, int x, double value)
        {
            int stride = width + 1;
            _table[((y + 1) * stride) + x + 1] = value + _table[(y * stride) + x + 1] + _table[((y + 1) * stride) + x] - _table[(y * stride) + x];
        }

        /// <summary>The sum over the square of half-width <paramref name="half"/> centred on (y, x).</summary>
        public double Window(int y, int x, int half)
        {
            int stride = width + 1;
            int top = y - half, left = x - half, bottom = y + half + 1, right = x + half + 1;
            return _table[(bottom * stride) + right] - _table[(top * stride) + right] - _table[(bottom * stride) + left] + _table[(top * stride) + left];
        }
    }
}
