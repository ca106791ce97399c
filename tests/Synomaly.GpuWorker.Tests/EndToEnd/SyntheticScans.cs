using Synomaly.Contracts;
using Synomaly.Imaging.Nifti;
using Synomaly.Imaging.Volumes;

namespace Synomaly.GpuWorker.Tests.EndToEnd;

/// <summary>Uploads for the end-to-end tests: a gzip NIfTI "head" (a disc) with a bright blob in every slice.</summary>
internal static class SyntheticScans
{
    public static byte[] HeadWithLesion(int size, int depth)
    {
        var voxels = new float[size * size * depth];
        var centre = size / 2.0;
        for (var z = 0; z < depth; z++)
        {
            for (var y = 0; y < size; y++)
            {
                for (var x = 0; x < size; x++)
                {
                    var head = Math.Pow(x - centre, 2) + Math.Pow(y - centre, 2) < Math.Pow(size * 0.4, 2);
                    var lesion = Math.Pow(x - (centre + 4), 2) + Math.Pow(y - (centre - 3), 2) < 9;
                    voxels[x + (size * (y + (size * z)))] = lesion ? 400f : head ? 100f + ((x + y) % 7) : 0f;
                }
            }
        }

        var volume = new Volume(voxels, size, size, depth, VolumeGeometry.Unit(), Modality.MR, new VolumeProvenance { Format = ScanFormat.NiftiGzip });
        using var output = new MemoryStream();
        NiftiWriter.Write(output, voxels, size, size, depth, NiftiGeometry.ForVolume(volume), NiftiDataType.Float32, gzip: true, "synthetic");
        return output.ToArray();
    }
}
