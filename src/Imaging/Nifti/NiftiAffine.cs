namespace Synomaly.Imaging.Nifti;

/// <summary>
/// The voxel-to-world transform of a NIfTI header as a row-major 4x4 (RAS+ mm), following nifti1_io: the sform when
/// sform_code &gt; 0, else the qform (quaternion) when qform_code &gt; 0, else the ANALYZE fallback diag(pixdim).
/// A header in metres or microns (xyzt_units) is converted to mm, affine and spacing alike (<see cref="NiftiSpatialUnits"/>),
/// as ITK reads it: read as mm, a scan in metres would report areas and volumes a million times too small.
/// Also the inverse direction (affine to quaternion) for writing headers from other formats' geometry.
/// </summary>
public static class NiftiAffine
{
    public enum Source
    {
        Sform,
        Qform,
        PixdimOnly,
    }

    public static (double[] Affine, Source Source) FromHeader(NiftiHeader h)
    {
        double unit = NiftiSpatialUnits.MillimetresPerUnit(h.XyztUnits);
        if (h.SformCode > 0 && AllFinite(h.SRowX) && AllFinite(h.SRowY) && AllFinite(h.SRowZ) && !IsSingular(h.SRowX, h.SRowY, h.SRowZ))
        {
            // World coordinates are in the header's unit: the offsets scale with the voxel axes.
            return ([.. h.SRowX.Select(v => v * unit), .. h.SRowY.Select(v => v * unit), .. h.SRowZ.Select(v => v * unit), 0, 0, 0, 1], Source.Sform);
        }

        double dx = Millimetres(h.PixDim[1], unit);
        double dy = Millimetres(h.PixDim[2], unit);
        double dz = Millimetres(h.PixDim[3], unit);
        if (h.QformCode > 0 && double.IsFinite(h.QuaternB) && double.IsFinite(h.QuaternC) && double.IsFinite(h.QuaternD))
        {
            double qfac = h.PixDim[0] < 0 ? -1 : 1;
            var r = QuaternionToRotation(h.QuaternB, h.QuaternC, h.QuaternD);
            return (
            [
                r[0] * dx, r[1] * dy, r[2] * dz * qfac, Finite(h.QOffsetX) * unit,
                r[3] * dx, r[4] * dy, r[5] * dz * qfac, Finite(h.QOffsetY) * unit,
                r[6] * dx, r[7] * dy, r[8] * dz * qfac, Finite(h.QOffsetZ) * unit,
                0, 0, 0, 1,
            ], Source.Qform);
        }

        return ([dx, 0, 0, 0, 0, dy, 0, 0, 0, 0, dz, 0, 0, 0, 0, 1], Source.PixdimOnly);
    }

    /// <summary>The rotation matrix (row-major 3x3) of the unit quaternion (a, b, c, d) with a = sqrt(1 - b² - c² - d²).</summary>
    public static double[] QuaternionToRotation(double b, double c, double d)
    {
        double a = 1.0 - ((b * b) + (c * c) + (d * d));
        if (a < 1e-7)
        {
            // Not a unit quaternion: renormalise (b, c, d) and take a 180-degree rotation, as nifti1_io does.
            double norm = 1.0 / Math.Sqrt((b * b) + (c * c) + (d * d));
            b *= norm;
            c *= norm;
            d *= norm;
            a = 0;
        }
        else
        {
            a = Math.Sqrt(a);
        }

        return
        [
            (a * a) + (b * b) - (c * c) - (d * d), 2 * ((b * c) - (a * d)), 2 * ((b * d) + (a * c)),
            2 * ((b * c) + (a * d)), (a * a) + (c * c) - (b * b) - (d * d), 2 * ((c * d) - (a * b)),
            2 * ((b * d) - (a * c)), 2 * ((c * d) + (a * b)), (a * a) + (d * d) - (c * c) - (b * b),
        ];
    }

    /// <summary>
    /// Quaternion parameters (b, c, d), qfac and voxel sizes of an affine (row-major 4x4), as nifti_mat44_to_quatern does
    /// for orthogonal matrices: columns are normalised; a left-handed matrix gets qfac = -1 with its third column negated.
    /// </summary>
    public static (double B, double C, double D, double Qfac, double Dx, double Dy, double Dz) ToQuaternion(IReadOnlyList<double> m)
    {
        double dx = Math.Sqrt((m[0] * m[0]) + (m[4] * m[4]) + (m[8] * m[8]));
        double dy = Math.Sqrt((m[1] * m[1]) + (m[5] * m[5]) + (m[9] * m[9]));
        double dz = Math.Sqrt((m[2] * m[2]) + (m[6] * m[6]) + (m[10] * m[10]));
        double sx = dx == 0 ? 1 : dx;
        double sy = dy == 0 ? 1 : dy;
        double sz = dz == 0 ? 1 : dz;
        double r11 = m[0] / sx, r12 = m[1] / sy, r13 = m[2] / sz;
        double r21 = m[4] / sx, r22 = m[5] / sy, r23 = m[6] / sz;
        double r31 = m[8] / sx, r32 = m[9] / sy, r33 = m[10] / sz;
        double det = (r11 * ((r22 * r33) - (r32 * r23))) - (r12 * ((r21 * r33) - (r31 * r23))) + (r13 * ((r21 * r32) - (r31 * r22)));
        double qfac = 1;
        if (det < 0)
        {
            qfac = -1;
            r13 = -r13;
            r23 = -r23;
            r33 = -r33;
        }

        double a = r11 + r22 + r33 + 1;
        double b, c, d;
        if (a > 0.5)
        {
            a = 0.5 * Math.Sqrt(a);
            b = 0.25 * (r32 - r23) / a;
            c = 0.25 * (r13 - r31) / a;
            d = 0.25 * (r21 - r12) / a;
        }
        else
        {
            double xd = 1.0 + r11 - (r22 + r33);
            double yd = 1.0 + r22 - (r11 + r33);
            double zd = 1.0 + r33 - (r11 + r22);
            if (xd > 1.0)
            {
                b = 0.5 * Math.Sqrt(xd);
                c = 0.25 * (r12 + r21) / b;
                d = 0.25 * (r13 + r31) / b;
                a = 0.25 * (r32 - r23) / b;
            }
            else if (yd > 1.0)
            {
                c = 0.5 * Math.Sqrt(yd);
                b = 0.25 * (r12 + r21) / c;
                d = 0.25 * (r23 + r32) / c;
                a = 0.25 * (r13 - r31) / c;
            }
            else
            {
                d = 0.5 * Math.Sqrt(zd);
                b = 0.25 * (r13 + r31) / d;
                c = 0.25 * (r23 + r32) / d;
                a = 0.25 * (r21 - r12) / d;
            }

            if (a < 0)
            {
                b = -b;
                c = -c;
                d = -d;
            }
        }

        return (b, c, d, qfac, dx, dy, dz);
    }

    /// <summary>Voxel sizes (mm) from pixdim[1..3]: absolute values in the header's unit, with 0 or non-finite read as 1 mm.</summary>
    public static (double X, double Y, double Z) Spacing(NiftiHeader h)
    {
        double unit = NiftiSpatialUnits.MillimetresPerUnit(h.XyztUnits);
        return (Millimetres(Math.Abs(h.PixDim[1]), unit), Millimetres(Math.Abs(h.PixDim[2]), unit), Millimetres(Math.Abs(h.PixDim[3]), unit));
    }

    /// <summary>Whether <see cref="Spacing"/> had to read any of pixdim[1..3] (0, NaN or infinite) as 1.</summary>
    public static bool SpacingAssumed(NiftiHeader h) => !IsUsable(Math.Abs(h.PixDim[1])) || !IsUsable(Math.Abs(h.PixDim[2])) || !IsUsable(Math.Abs(h.PixDim[3]));

    /// <summary>A pixdim in mm: converted from the header's unit when usable, else the 1 mm assumed (whatever the unit).</summary>
    private static double Millimetres(double pixdim, double unit) => IsUsable(pixdim) ? pixdim * unit : 1;

    private static bool IsUsable(double spacing) => double.IsFinite(spacing) && spacing > 0;

    private static double Finite(double value) => double.IsFinite(value) ? value : 0;

    private static bool AllFinite(double[] row) => row.All(double.IsFinite);

    private static bool IsSingular(double[] x, double[] y, double[] z)
    {
        double det = (x[0] * ((y[1] * z[2]) - (z[1] * y[2]))) - (x[1] * ((y[0] * z[2]) - (z[0] * y[2]))) + (x[2] * ((y[0] * z[1]) - (z[0] * y[1])));
        return det == 0;
    }
}
