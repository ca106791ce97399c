using Synomaly.Contracts;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Tests.Presets;

/// <summary>What a scan to be answered must hold before the model sees it: anything else is a typed rejection, never a hollow success.</summary>
public sealed class ScanPreparationTests
{
    private const int Size = 32;

    private static Volume Volume(Func<int, int, int, float> value, int width = Size, int height = Size, int depth = 3, Modality modality = Modality.Unknown)
    {
        var voxels = new float[width * height * depth];
        for (int z = 0; z < depth; z++)
        {
            for (int y = 0; y < height; y++)
            {
                for (int x = 0; x < width; x++)
                {
                    voxels[x + (width * (y + (height * z)))] = value(x, y, z);
                }
            }
        }

        return new Volume(voxels, width, height, depth, VolumeGeometry.Unit(), modality, new VolumeProvenance { Format = ScanFormat.Nifti });
    }

    /// <summary>A body of soft tissue (40 HU) in air, with a gradient so no slice is flat.</summary>
    private static float Body(int x, int y, int z) => x is > 4 and < Size - 4 ? 40 + y + z : -1000;

    [Fact]
    public void An_all_air_ct_volume_is_rejected_as_having_no_usable_slices()
    {
        var air = Volume((_, _, _) => -1000f, modality: Modality.CT);

        var error = Assert.Throws<ScanRejectedException>(() => ScanPreparation.Prepare(new CtPreset { ModelSize = Size }, air));

        Assert.Equal(ScanRejectionCode.NoUsableSlices, error.Code);
        Assert.Contains("ct", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_ct_volume_with_tissue_is_prepared_as_the_preset_prepares_it()
    {
        var body = Volume(Body, modality: Modality.CT);

        var prepared = ScanPreparation.Prepare(new CtPreset { ModelSize = Size }, body);

        Assert.Equal(new CtPreset { ModelSize = Size }.Prepare(body).Slices.Select(s => s.Pixels), prepared.Slices.Select(s => s.Pixels));
    }
}
