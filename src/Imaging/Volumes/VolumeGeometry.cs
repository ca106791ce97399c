namespace Synomaly.Imaging.Volumes;

/// <summary>
/// Where voxels sit in patient space: spacing in mm (x, y, z) and a 4x4 voxel-to-world affine in RAS+ millimetres
/// (the NIfTI convention; DICOM's LPS is converted by negating the first two rows). Row-major, 16 values.
/// </summary>
public sealed record VolumeGeometry(double SpacingX, double SpacingY, double SpacingZ, double[] Affine)
{
    /// <summary>1 mm isotropic, identity orientation: for plain images with no geometry.</summary>
    public static VolumeGeometry Unit() => new(1, 1, 1, [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);

    public double VoxelVolumeMm3 => SpacingX * SpacingY * SpacingZ;

    public double PixelAreaMm2 => SpacingX * SpacingY;
}
