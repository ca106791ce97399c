using Synomaly.Imaging.Nifti;
using Synomaly.Imaging.Volumes;
using Synomaly.Testing;

namespace Synomaly.Imaging.Tests.Nifti;

public sealed class NiftiWriterTests
{
    private static Volume ReadSample(string name)
    {
        using var stream = File.OpenRead(Path.Combine(TestPaths.Data, "formats", "nifti-samples", name));
        return NiftiReader.Read(stream, ScanReadLimits.Default);
    }

    private static Volume WriteAndRead(Volume source, NiftiGeometry geometry, bool gzip)
    {
        using var file = new MemoryStream();
        NiftiWriter.Write(file, source.Voxels, source.Width, source.Height, source.Depth, geometry, NiftiDataType.Float32, gzip, "round trip");
        file.Position = 0;
        return NiftiReader.Read(file, ScanReadLimits.Default);
    }

    [Theory]
    [InlineData("anatomical.nii", false)]
    [InlineData("anatomical.nii", true)]
    [InlineData("example_nifti2.nii.gz", true)]
    [InlineData("colin27_ch2bet.nii.gz", true)]
    [InlineData("example4d.nii.gz", false)]
    public void Written_and_read_back_is_identical(string name, bool gzip)
    {
        var source = ReadSample(name);

        var back = WriteAndRead(source, NiftiGeometry.ForVolume(source), gzip);

        Assert.Equal((source.Width, source.Height, source.Depth), (back.Width, back.Height, back.Depth));
        Assert.Equal(source.Voxels, back.Voxels);
        Assert.Equal(source.Geometry.Affine, back.Geometry.Affine);
        Assert.Equal((source.Geometry.SpacingX, source.Geometry.SpacingY, source.Geometry.SpacingZ), (back.Geometry.SpacingX, back.Geometry.SpacingY, back.Geometry.SpacingZ));
        var sourceHeader = NiftiHeaderCodec.Parse(source.Provenance.NiftiHeader);
        var backHeader = NiftiHeaderCodec.Parse(back.Provenance.NiftiHeader);
        Assert.Equal(sourceHeader.Version, backHeader.Version);
        Assert.Equal((sourceHeader.QformCode, sourceHeader.SformCode), (backHeader.QformCode, backHeader.SformCode));
        Assert.Equal((sourceHeader.QuaternB, sourceHeader.QuaternC, sourceHeader.QuaternD), (backHeader.QuaternB, backHeader.QuaternC, backHeader.QuaternD));
    }

    [Fact]
    public void Geometry_from_an_affine_writes_an_sform_and_an_equivalent_qform()
    {
        double c = Math.Cos(0.3), s = Math.Sin(0.3);
        var geometry = new VolumeGeometry(0.8, 0.8, 2.5, [-0.8 * c, 0.8 * s, 0, 100, 0.8 * s, 0.8 * c, 0, -50, 0, 0, 2.5, 30, 0, 0, 0, 1]);
        var volume = new Volume(Enumerable.Range(0, 24).Select(i => (float)i).ToArray(), 4, 3, 2, geometry, Modality.MR, new VolumeProvenance { Format = Contracts.ScanFormat.Dicom });

        var back = WriteAndRead(volume, NiftiGeometry.ForVolume(volume), gzip: true);
        var header = NiftiHeaderCodec.Parse(back.Provenance.NiftiHeader);
        var (qform, _) = NiftiAffine.FromHeader(header with { SformCode = 0 });

        Assert.Equal(volume.Voxels, back.Voxels);
        for (int i = 0; i < 16; i++)
        {
            Assert.Equal(geometry.Affine[i], back.Geometry.Affine[i], 1e-5);
            Assert.Equal(geometry.Affine[i], qform[i], 1e-5);
        }
    }

    [Fact]
    public void Masks_are_written_as_uint8()
    {
        var source = ReadSample("anatomical.nii");
        var mask = source.Voxels.Select(v => v > 100 ? 1f : 0f).ToArray();
        using var file = new MemoryStream();

        NiftiWriter.Write(file, mask, source.Width, source.Height, source.Depth, NiftiGeometry.ForVolume(source), NiftiDataType.UInt8, gzip: false, "mask");
        file.Position = 0;
        var back = NiftiReader.Read(file, ScanReadLimits.Default);

        Assert.Equal(mask, back.Voxels);
        Assert.Equal(352 + mask.Length, file.Length);
        Assert.Equal(source.Geometry.Affine, back.Geometry.Affine);
    }
}
