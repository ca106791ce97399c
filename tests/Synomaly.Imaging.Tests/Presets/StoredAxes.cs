using Synomaly.Contracts;
using Synomaly.Imaging.Nifti;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Tests.Presets;

/// <summary>
/// The same anatomy stored with its array axes in another order or direction, as another scanner or converter writes
/// it: voxel for voxel the same patient, with the affine rewritten so that every voxel keeps its place in space.
/// </summary>
internal static class StoredAxes
{
    /// <param name="volume">The volume as it is stored now.</param>
    /// <param name="axes">For each array axis of the result, the axis of <paramref name="volume"/> it runs along.</param>
    /// <param name="reversed">For each array axis of the result, whether it runs the other way (null: none does).</param>
    /// <param name="format">The format the result claims (null: the volume's).</param>
    public static Volume Restore(Volume volume, int[] axes, bool[]? reversed = null, ScanFormat? format = null)
    {
        reversed ??= [false, false, false];
        int[] size = [volume.Width, volume.Height, volume.Depth];
        int[] stored = [size[axes[0]], size[axes[1]], size[axes[2]]];
        var voxels = new float[volume.Voxels.Length];
        var at = new int[3];
        for (int z = 0; z < volume.Depth; z++)
        {
            for (int y = 0; y < volume.Height; y++)
            {
                for (int x = 0; x < volume.Width; x++)
                {
                    int[] source = [x, y, z];
                    for (int a = 0; a < 3; a++)
                    {
                        at[a] = reversed[a] ? stored[a] - 1 - source[axes[a]] : source[axes[a]];
                    }

                    voxels[at[0] + (stored[0] * (at[1] + (stored[1] * at[2])))] = volume[x, y, z];
                }
            }
        }

        var m = volume.Geometry.Affine;
        var affine = new double[16];
        double[] spacing = [volume.Geometry.SpacingX, volume.Geometry.SpacingY, volume.Geometry.SpacingZ];
        for (int row = 0; row < 3; row++)
        {
            affine[(4 * row) + 3] = m[(4 * row) + 3];
            for (int a = 0; a < 3; a++)
            {
                double column = m[(4 * row) + axes[a]];
                affine[(4 * row) + a] = reversed[a] ? -column : column;
                // A reversed axis starts at the other end: its first voxel is the source's last along that axis.
                affine[(4 * row) + 3] += reversed[a] ? (stored[a] - 1) * column : 0;
            }
        }

        affine[15] = 1;
        var geometry = new VolumeGeometry(spacing[axes[0]], spacing[axes[1]], spacing[axes[2]], affine);
        return new Volume(voxels, stored[0], stored[1], stored[2], geometry, volume.Modality, new VolumeProvenance { Format = format ?? volume.Provenance.Format });
    }

    /// <summary>The volume written by the production NIfTI writer (float32, gzip, sform from its affine) and read back.</summary>
    public static Volume ThroughNifti(Volume volume)
    {
        using var file = new MemoryStream();
        NiftiWriter.Write(file, volume.Voxels, volume.Width, volume.Height, volume.Depth, NiftiGeometry.FromAffine(volume.Geometry), NiftiDataType.Float32, gzip: true, "test volume");
        file.Position = 0;
        return NiftiReader.Read(file, ScanReadLimits.Default);
    }

    /// <summary>Values laid out on <paramref name="like"/>'s grid, as a volume with its geometry (to reorder them as it).</summary>
    public static Volume OnGridOf(Volume like, float[] values) =>
        new(values, like.Width, like.Height, like.Depth, like.Geometry, like.Modality, new VolumeProvenance { Format = like.Provenance.Format });
}
