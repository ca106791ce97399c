namespace Synomaly.Imaging.Synthesis;

/// <summary>Row-major 4x4 affine helpers (voxel to world and back) for resampling between grids.</summary>
internal static class AffineMath
{
    public static (double X, double Y, double Z) Apply(double[] m, double i, double j, double k) =>
        ((m[0] * i) + (m[1] * j) + (m[2] * k) + m[3],
         (m[4] * i) + (m[5] * j) + (m[6] * k) + m[7],
         (m[8] * i) + (m[9] * j) + (m[10] * k) + m[11]);

    /// <summary>Inverts an affine (linear 3x3 part by cofactors, then the translation).</summary>
    public static double[] Invert(double[] m)
    {
        double a = m[0], b = m[1], c = m[2], d = m[4], e = m[5], f = m[6], g = m[8], h = m[9], i = m[10];
        double det = (a * ((e * i) - (f * h))) - (b * ((d * i) - (f * g))) + (c * ((d * h) - (e * g)));
        if (Math.Abs(det) < 1e-12)
        {
            throw new ArgumentException("The affine is singular (zero voxel size or degenerate orientation).", nameof(m));
        }

        double[] r =
        [
            ((e * i) - (f * h)) / det, ((c * h) - (b * i)) / det, ((b * f) - (c * e)) / det, 0,
            ((f * g) - (d * i)) / det, ((a * i) - (c * g)) / det, ((c * d) - (a * f)) / det, 0,
            ((d * h) - (e * g)) / det, ((b * g) - (a * h)) / det, ((a * e) - (b * d)) / det, 0,
            0, 0, 0, 1,
        ];
        for (int row = 0; row < 3; row++)
        {
            r[(row * 4) + 3] = -((r[row * 4] * m[3]) + (r[(row * 4) + 1] * m[7]) + (r[(row * 4) + 2] * m[11]));
        }

        return r;
    }
}
