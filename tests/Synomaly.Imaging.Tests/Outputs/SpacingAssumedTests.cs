using System.Buffers.Binary;
using Synomaly.Imaging.Nifti;
using Synomaly.Imaging.Outputs;
using Synomaly.Imaging.Reading;
using Synomaly.Imaging.Tests.Dicom;
using Synomaly.Imaging.Tests.Nifti;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Tests.Outputs;

/// <summary>A report says its spacing is known only where the file measured it, whatever the format.</summary>
public sealed class SpacingAssumedTests
{
    private const int Side = 4;

    private static ScanReport Report(Volume source) =>
        ScanReportBuilder.Build(source, new float[source.Voxels.Length], new float[source.Voxels.Length], new Dictionary<int, double> { [0] = 0 }, new ReportModel("m", "1", "p"), "brain-mri");

    private static Volume Dicom(string? pixelSpacing)
    {
        var builder = new DicomBuilder().ImageModule(Side, Side, 8, 8, signed: false, "MONOCHROME2");
        if (pixelSpacing is not null)
        {
            builder.Text(0x0028, 0x0030, "DS", pixelSpacing);
        }

        return DicomTestFiles.Read(builder.PixelData(new byte[Side * Side]).Build());
    }

    private static Volume Nifti(float pixdimX)
    {
        var file = SyntheticNifti.Build(2, 8, [3, Side, Side, 1, 1, 1, 1, 1], new byte[Side * Side], bigEndian: false);
        BinaryPrimitives.WriteSingleLittleEndian(file.AsSpan(80), pixdimX);
        return NiftiReader.Read(new MemoryStream(file), ScanReadLimits.Default);
    }

    [Fact]
    public void A_dicom_without_pixel_spacing_reports_its_spacing_as_assumed_with_a_note()
    {
        var report = Report(Dicom(pixelSpacing: null));

        Assert.False(report.SpacingKnown);
        Assert.Contains(report.Notes, n => n.Contains("1 mm assumed", StringComparison.Ordinal));
    }

    [Fact]
    public void A_dicom_with_pixel_spacing_reports_its_spacing_as_known()
    {
        var report = Report(Dicom(@"0.5\0.5"));

        Assert.True(report.SpacingKnown);
        Assert.Empty(report.Notes);
    }

    [Theory]
    [InlineData(float.NaN)]
    [InlineData(0f)]
    public void A_nifti_whose_pixdim_is_read_as_one_reports_its_spacing_as_assumed(float pixdimX)
    {
        var volume = Nifti(pixdimX);

        Assert.Equal(1, volume.Geometry.SpacingX);
        Assert.False(Report(volume).SpacingKnown);
    }

    [Fact]
    public void A_nifti_with_its_pixdim_reports_its_spacing_as_known()
    {
        Assert.True(Report(Nifti(0.8f)).SpacingKnown);
    }
}
