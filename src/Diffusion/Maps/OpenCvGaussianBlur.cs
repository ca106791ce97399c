using TorchSharp;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Maps;

/// <summary>
/// OpenCV's <c>cv2.GaussianBlur</c> (BORDER_REFLECT_101, separable, rows then columns) on batches of single-channel
/// images [B,1,H,W], on the tensor's device. Kernel taps follow OpenCV 4.x <c>getGaussianKernelBitExact</c>: fixed tables
/// for k = 1, 3, 5, 7, 9 when sigma is 0, otherwise a sampled Gaussian normalised to sum 1, with
/// sigma = 0.3((k-1)/2 - 1) + 0.8 when sigma is 0.
/// </summary>
public static class OpenCvGaussianBlur
{
    /// <summary>The kernel size OpenCV derives from sigma when ksize is (0,0): round(sigma*4*2+1)|1 for float images.</summary>
    public static int KernelSizeForSigma(double sigma)
    {
        if (!(sigma > 0) || double.IsInfinity(sigma))
        {
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "The blur sigma must be a positive finite number.");
        }

        // cvRound rounds half to even, like Math.Round's default.
        return (int)Math.Round(sigma * 4 * 2 + 1) | 1;
    }

    /// <summary>The 1-D kernel OpenCV uses for size <paramref name="size"/> and <paramref name="sigma"/> (0 = derived from size).</summary>
    public static double[] Kernel(int size, double sigma = 0)
    {
        if (size <= 0 || size % 2 == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(size), size, "The blur kernel size must be a positive odd number.");
        }

        if (sigma <= 0)
        {
            double[]? table = size switch
            {
                1 => [1.0],
                3 => [0.25, 0.5, 0.25],
                5 => [0.0625, 0.25, 0.375, 0.25, 0.0625],
                7 => [0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125],
                9 => [4.0 / 256, 13.0 / 256, 30.0 / 256, 51.0 / 256, 60.0 / 256, 51.0 / 256, 30.0 / 256, 13.0 / 256, 4.0 / 256],
                _ => null,
            };
            if (table is not null)
            {
                return table;
            }
        }

        double s = sigma > 0 ? sigma : Math.FusedMultiplyAdd(size, 0.15, 0.35);
        double scale2 = -0.5 * 0.25 / (s * s);
        int half = (size - 1) / 2;
        var values = new double[half];
        double sum = 0;
        for (int i = 0, x = 1 - size; i < half; i++, x += 2)
        {
            // x counts in half-pixel steps, hence the 0.25 in scale2.
            values[i] = Math.Exp(x * x * scale2);
            sum += values[i];
        }

        sum = sum * 2 + 1;
        double mul = 1 / sum;
        var kernel = new double[size];
        for (int i = 0; i < half; i++)
        {
            kernel[i] = kernel[size - 1 - i] = values[i] * mul;
        }

        kernel[half] = mul;
        return kernel;
    }

    /// <summary>Blurs [B,1,H,W] images with the OpenCV kernel of size <paramref name="size"/> (and sigma, 0 = OpenCV's rule).</summary>
    public static Tensor Apply(Tensor images, int size, double sigma = 0)
    {
        if (images.dim() != 4 || images.shape[1] != 1)
        {
            throw new ArgumentException($"Expected images of shape [B,1,H,W], got [{string.Join(",", images.shape)}].", nameof(images));
        }

        double[] taps = Kernel(size, sigma);
        if (size == 1)
        {
            return images.alias();
        }

        using var scope = NewDisposeScope();
        var weights = tensor(taps, dtype: images.dtype, device: images.device);
        var rows = ReflectPad101(images, dim: 3, size / 2);
        var blurredRows = nn.functional.conv2d(rows, weights.view(1, 1, 1, size));
        var columns = ReflectPad101(blurredRows, dim: 2, size / 2);
        var result = nn.functional.conv2d(columns, weights.view(1, 1, size, 1));
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Pads one dimension by OpenCV's BORDER_REFLECT_101 (gfedcb|abcdefgh|gfedcba), for any pad width.</summary>
    public static Tensor ReflectPad101(Tensor input, int dim, int pad)
    {
        long length = input.shape[dim];
        var index = new long[length + 2 * pad];
        for (int i = 0; i < index.Length; i++)
        {
            index[i] = Reflect101(i - pad, length);
        }

        using var indexTensor = tensor(index, device: input.device);
        return input.index_select(dim, indexTensor);
    }

    /// <summary>OpenCV's borderInterpolate for BORDER_REFLECT_101, reflecting as often as needed.</summary>
    public static long Reflect101(long p, long length)
    {
        if (length == 1)
        {
            return 0;
        }

        while (p < 0 || p >= length)
        {
            p = p < 0 ? -p : 2 * (length - 1) - p;
        }

        return p;
    }
}
