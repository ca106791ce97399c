namespace Synomaly.Imaging.Dicom;

/// <summary>
/// Builds the voxel-to-world affine of <see cref="Volumes.VolumeGeometry"/>: columns are the row direction times the
/// column spacing, the column direction times the row spacing, the slice step, and the first pixel's position, all in
/// DICOM LPS; then the first two rows are negated to give RAS (the NIfTI convention).
/// </summary>
internal static class DicomAffine
{
    /// <param name="first">Geometry of the first slice.</param>
    /// <param name="step">Vector from one slice to the next in mm, or null to use the normal times <paramref name="spacingZ"/>.</param>
    public static Volumes.VolumeGeometry Build(SliceGeometry first, double[]? step, double spacingZ, ICollection<string> notes)
    {
        double sx = first.SpacingX;
        double sy = first.SpacingY;
        double[] row;
        double[] column;
        double[] normal;
        if (first.Orientation is { } o)
        {
            row = o[..3];
            column = o[3..6];
            normal = first.Normal!;
        }
        else
        {
            // No orientation (secondary captures, some ultrasound): DICOM's default, rows along +x and columns along +y in
            // LPS, so the image is used as stored. The RAS identity would instead mean rows running anterior, and the
            // presets would flip the image upside down for display.
            notes.Add("no image orientation; rows along +x and columns along +y (LPS) assumed");
            row = [1, 0, 0];
            column = [0, 1, 0];
            normal = [0, 0, 1];
        }

        var slice = step ?? [normal[0] * spacingZ, normal[1] * spacingZ, normal[2] * spacingZ];
        var origin = first.Position ?? [0, 0, 0];
        if (first.Position is null)
        {
            notes.Add("no image position; origin at 0");
        }

        var affine = new double[16];
        for (int axis = 0; axis < 3; axis++)
        {
            double sign = axis < 2 ? -1 : 1;
            affine[(4 * axis) + 0] = sign * row[axis] * sx;
            affine[(4 * axis) + 1] = sign * column[axis] * sy;
            affine[(4 * axis) + 2] = sign * slice[axis];
            affine[(4 * axis) + 3] = sign * origin[axis];
        }

        affine[15] = 1;
        return new Volumes.VolumeGeometry(sx, sy, Vector3.Length(slice), affine);
    }
}
