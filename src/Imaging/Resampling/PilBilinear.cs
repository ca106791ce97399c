namespace Synomaly.Imaging.Resampling;

/// <summary>
/// Bilinear resizing of a float image exactly as Pillow's <c>Image.resize(size, BILINEAR)</c> does on mode "F" images
/// (torchvision's Resize on a PIL image, which the reference model input uses): a separable triangle filter whose support
/// is scaled by the downscale factor (so downscaling anti-aliases), pixel centres at +0.5, weights renormalised at the
/// borders, a horizontal pass into a float32 intermediate followed by a vertical pass, double accumulation.
/// </summary>
public static class PilBilinear
{
    public static float[] Resize(ReadOnlySpan<float> source, int width, int height, int outWidth, int outHeight)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outHeight);
        if (source.Length != width * height)
        {
            throw new ArgumentException($"Expected {width * height} pixels for {width}x{height}, got {source.Length}.", nameof(source));
        }

        var horizontal = Coefficients.For(width, outWidth);
        var vertical = Coefficients.For(height, outHeight);

        // Pillow skips a pass whose size does not change; the result is then the input rows or columns unchanged.
        float[] rows;
        if (outWidth != width)
        {
            rows = new float[outWidth * height];
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < outWidth; x++)
                {
                    rows[(y * outWidth) + x] = (float)horizontal.Apply(x, source, y * width, 1);
                }
            }
        }
        else
        {
            rows = source.ToArray();
        }

        if (outHeight == height)
        {
            return rows;
        }

        var result = new float[outWidth * outHeight];
        for (int y = 0; y < outHeight; y++)
        {
            for (int x = 0; x < outWidth; x++)
            {
                result[(y * outWidth) + x] = (float)vertical.Apply(y, rows, x, outWidth);
            }
        }

        return result;
    }

    /// <summary>Per output index: the first input index and the normalised weights (Pillow's precompute_coeffs).</summary>
    private sealed class Coefficients
    {
        private readonly int[] _start;
        private readonly double[][] _weights;

        private Coefficients(int[] start, double[][] weights)
        {
            _start = start;
            _weights = weights;
        }

        public static Coefficients For(int inSize, int outSize)
        {
            double scale = (double)inSize / outSize;
            double filterScale = Math.Max(scale, 1.0);
            double support = 1.0 * filterScale;
            var start = new int[outSize];
            var weights = new double[outSize][];
            for (int xx = 0; xx < outSize; xx++)
            {
                double center = (xx + 0.5) * scale;
                // (int) truncation as in C; negative values are clamped to 0 right after.
                int xmin = Math.Max((int)(center - support + 0.5), 0);
                int xmax = Math.Min((int)(center + support + 0.5), inSize) - xmin;
                var k = new double[Math.Max(xmax, 0)];
                double sum = 0;
                for (int x = 0; x < k.Length; x++)
                {
                    k[x] = Triangle((x + xmin - center + 0.5) / filterScale);
                    sum += k[x];
                }

                if (sum != 0)
                {
                    for (int x = 0; x < k.Length; x++)
                    {
                        k[x] /= sum;
                    }
                }

                start[xx] = xmin;
                weights[xx] = k;
            }

            return new Coefficients(start, weights);
        }

        /// <summary>The weighted sum for one output sample over input samples at offset + index * stride.</summary>
        public double Apply(int output, ReadOnlySpan<float> data, int offset, int stride)
        {
            var k = _weights[output];
            int first = _start[output];
            double sum = 0;
            for (int i = 0; i < k.Length; i++)
            {
                sum += data[offset + ((first + i) * stride)] * k[i];
            }

            return sum;
        }

        private static double Triangle(double x)
        {
            x = Math.Abs(x);
            return x < 1.0 ? 1.0 - x : 0.0;
        }
    }
}
