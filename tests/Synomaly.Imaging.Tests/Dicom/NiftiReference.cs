using System.Buffers.Binary;

namespace Synomaly.Imaging.Tests.Dicom;

/// <summary>
/// A minimal reader for the plain little-endian NIfTI-1 reference of the transfer-syntax set (int16, no scaling):
/// just enough to compare pixels, independent of the project's own NIfTI reader.
/// </summary>
internal sealed record NiftiReference(int Nx, int Ny, int Nz, short[] Voxels, double[] Srow)
{
    public static NiftiReference Load(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(348, BinaryPrimitives.ReadInt32LittleEndian(bytes));
        short Dim(int i) => BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(40 + (2 * i)));
        Assert.Equal(4, BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(70))); // DT_INT16
        int nx = Dim(1), ny = Dim(2), nz = Dim(3);
        int offset = (int)BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(108));
        var voxels = new short[nx * ny * nz];
        for (int i = 0; i < voxels.Length; i++)
        {
            voxels[i] = BinaryPrimitives.ReadInt16LittleEndian(bytes.AsSpan(offset + (2 * i)));
        }

        // srow_x, srow_y, srow_z: the voxel-to-RAS affine rows (sform).
        var srow = new double[12];
        for (int i = 0; i < 12; i++)
        {
            srow[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(280 + (4 * i)));
        }

        return new NiftiReference(nx, ny, nz, voxels, srow);
    }
}
