namespace Synomaly.Diffusion.Metrics;

/// <summary>
/// Hausdorff distances between two binary masks of one image (row-major, <c>height</c> × <c>width</c>).
/// <see cref="Percentile95"/> is the spatial HD95 on pixel coordinates (in pixels); <see cref="ReferenceRowProfile95"/> is
/// the reference's "Hausdorff 95", kept only to compare with its numbers (ALGORITHM.md 5.1: not a spatial distance).
/// </summary>
public static class HausdorffDistance
{
    /// <summary>
    /// The 95th-percentile Hausdorff distance between the boundaries of two masks, as MONAI's
    /// <c>compute_hausdorff_distance(percentile=95)</c> defines it: boundary pixels are foreground pixels with a background
    /// 4-neighbour or on the image edge; for each boundary pixel of one mask, the Euclidean distance to the nearest boundary
    /// pixel of the other; the 95th percentile (linear interpolation) of each direction; the larger of the two.
    /// 0 when both masks are empty, +∞ when exactly one is.
    /// </summary>
    public static double Percentile95(ReadOnlySpan<bool> a, ReadOnlySpan<bool> b, int height, int width)
    {
        CheckShape(a, b, height, width);
        bool[] edgeA = Boundary(a, height, width), edgeB = Boundary(b, height, width);
        bool anyA = edgeA.Contains(true), anyB = edgeB.Contains(true);
        if (!anyA && !anyB)
        {
            return 0;
        }

        if (!anyA || !anyB)
        {
            return double.PositiveInfinity;
        }

        return Math.Max(Directed95(edgeA, edgeB, height, width), Directed95(edgeB, edgeA, height, width));
    }

    /// <summary>
    /// The reference's metric: <c>cdist(G, P)</c> treats each image row as a point of dimension W, so row distances are
    /// sqrt(number of differing pixels); per row the distance to the nearest row of the other mask, the 95th percentile of
    /// each direction, and the larger of the two.
    /// </summary>
    public static double ReferenceRowProfile95(ReadOnlySpan<bool> truth, ReadOnlySpan<bool> predicted, int height, int width)
    {
        CheckShape(truth, predicted, height, width);
        var fromTruth = new double[height];
        var fromPrediction = new double[height];
        Array.Fill(fromTruth, double.PositiveInfinity);
        Array.Fill(fromPrediction, double.PositiveInfinity);
        for (int i = 0; i < height; i++)
        {
            for (int j = 0; j < height; j++)
            {
                int differing = 0;
                for (int x = 0; x < width; x++)
                {
                    differing += truth[(i * width) + x] != predicted[(j * width) + x] ? 1 : 0;
                }

                double distance = Math.Sqrt(differing);
                fromTruth[i] = Math.Min(fromTruth[i], distance);
                fromPrediction[j] = Math.Min(fromPrediction[j], distance);
            }
        }

        return Math.Max(Percentile(fromTruth, 95), Percentile(fromPrediction, 95));
    }

    /// <summary>NumPy's default percentile: linear interpolation between the sorted values at rank q/100·(n − 1).</summary>
    public static double Percentile(double[] values, double q)
    {
        if (values.Length == 0)
        {
            throw new ArgumentException("The percentile of no values is undefined.", nameof(values));
        }

        var sorted = (double[])values.Clone();
        Array.Sort(sorted);
        double rank = q / 100 * (sorted.Length - 1);
        int low = (int)Math.Floor(rank);
        int high = Math.Min(low + 1, sorted.Length - 1);
        return sorted[low] + ((rank - low) * (sorted[high] - sorted[low]));
    }

    private static double Directed95(bool[] from, bool[] to, int height, int width)
    {
        double[] squared = SquaredDistanceTransform(to, height, width);
        var distances = new List<double>();
        for (int p = 0; p < from.Length; p++)
        {
            if (from[p])
            {
                distances.Add(Math.Sqrt(squared[p]));
            }
        }

        return Percentile([.. distances], 95);
    }

    private static bool[] Boundary(ReadOnlySpan<bool> mask, int height, int width)
    {
        var edge = new bool[mask.Length];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int p = (y * width) + x;
                edge[p] = mask[p] && (y == 0 || x == 0 || y == height - 1 || x == width - 1
                    || !mask[p - width] || !mask[p + width] || !mask[p - 1] || !mask[p + 1]);
            }
        }

        return edge;
    }

    /// <summary>Exact squared Euclidean distance to the nearest set pixel (Felzenszwalb and Huttenlocher, separable).</summary>
    private static double[] SquaredDistanceTransform(bool[] sites, int height, int width)
    {
        const double Far = 1e20;
        var grid = new double[sites.Length];
        for (int p = 0; p < sites.Length; p++)
        {
            grid[p] = sites[p] ? 0 : Far;
        }

        var column = new double[height];
        for (int x = 0; x < width; x++)
        {
            for (int y = 0; y < height; y++)
            {
                column[y] = grid[(y * width) + x];
            }

            double[] transformed = Transform1D(column);
            for (int y = 0; y < height; y++)
            {
                grid[(y * width) + x] = transformed[y];
            }
        }

        var row = new double[width];
        for (int y = 0; y < height; y++)
        {
            Array.Copy(grid, y * width, row, 0, width);
            Array.Copy(Transform1D(row), 0, grid, y * width, width);
        }

        return grid;
    }

    /// <summary>The 1-D squared distance transform: the lower envelope of the parabolas (q − p)² + f(p).</summary>
    private static double[] Transform1D(double[] f)
    {
        int n = f.Length;
        var vertices = new int[n];
        var bounds = new double[n + 1];
        int k = 0;
        bounds[0] = double.NegativeInfinity;
        bounds[1] = double.PositiveInfinity;
        for (int q = 1; q < n; q++)
        {
            // bounds[0] is −∞ and every f is finite, so k never drops below 0.
            double s = Intersection(f, q, vertices[k]);
            while (s <= bounds[k])
            {
                k--;
                s = Intersection(f, q, vertices[k]);
            }

            k++;
            vertices[k] = q;
            bounds[k] = s;
            bounds[k + 1] = double.PositiveInfinity;
        }

        var result = new double[n];
        k = 0;
        for (int q = 0; q < n; q++)
        {
            while (bounds[k + 1] < q)
            {
                k++;
            }

            double d = q - vertices[k];
            result[q] = (d * d) + f[vertices[k]];
        }

        return result;
    }

    /// <summary>Where the parabolas rooted at q and v intersect.</summary>
    private static double Intersection(double[] f, int q, int v) =>
        ((f[q] + ((double)q * q)) - (f[v] + ((double)v * v))) / (2.0 * (q - v));

    private static void CheckShape(ReadOnlySpan<bool> a, ReadOnlySpan<bool> b, int height, int width)
    {
        if (a.Length != height * width || b.Length != a.Length)
        {
            throw new ArgumentException($"Expected two masks of {height}x{width} pixels, got {a.Length} and {b.Length}.", nameof(b));
        }
    }
}
