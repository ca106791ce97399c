using Synomaly.Contracts;
using Synomaly.Imaging.Nifti;
using Synomaly.Imaging.Outputs;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Tests.Presets;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Tests.Outputs;

/// <summary>
/// Results of a volume the preset reoriented to axial slices: the NIfTI maps on the input's own grid, the overlays and the
/// report's slices on the axial slices that were analysed, and a report that says so.
/// </summary>
public sealed class ReorientedResultTests
{
    /// <summary>A bright 20 x 24 x 18 block (a "head") in a 24 x 28 x 22 axial volume, 1 mm, with a gradient so no slice is flat.</summary>
    private static Volume AxialHead()
    {
        const int Width = 24, Height = 28, Depth = 22;
        var voxels = new float[Width * Height * Depth];
        for (int z = 0; z < Depth; z++)
        {
            for (int y = 0; y < Height; y++)
            {
                for (int x = 0; x < Width; x++)
                {
                    bool inside = x is >= 2 and < 22 && y is >= 2 and < 26 && z is >= 2 and < 20;
                    voxels[x + (Width * (y + (Height * z)))] = inside ? 100 + x + y : 0;
                }
            }
        }

        return new Volume(voxels, Width, Height, Depth, VolumeGeometry.Unit(), Modality.MR, new VolumeProvenance { Format = ScanFormat.NiftiGzip });
    }

    private static Volume ReadBack(byte[] nifti)
    {
        using var file = new MemoryStream(nifti);
        return NiftiReader.Read(file, ScanReadLimits.Default);
    }

    [Fact]
    public void A_sagittal_volume_has_its_maps_on_its_own_grid_and_a_report_of_axial_slices_that_says_it_was_reoriented()
    {
        var sagittal = StoredAxes.Restore(AxialHead(), [1, 2, 0]);
        var prepared = ScanPreparation.Prepare(new BrainMriPreset { ModelSize = 16 }, sagittal, TestContext.Current.CancellationToken);
        // Every model pixel marked, so each analysed slice scores its foreground.
        var outputs = prepared.Slices.Select(_ => new SliceMaps(Enumerable.Repeat(1f, 256).ToArray(), Enumerable.Repeat(true, 256).ToArray(), new float[256])).ToList();

        var rendered = new ScanResultRenderer(maxMontageTiles: 4).Render(prepared, outputs, TestContext.Current.CancellationToken);
        var (report, _) = ScanResultRenderer.Report(rendered, new ReportModel("m", "1", "p"), "scan-1", null);

        var map = ReadBack(rendered.Files.Single(f => f.Name == BlobLayout.AnomalyMapFile).Content);
        Assert.Equal((sagittal.Width, sagittal.Height, sagittal.Depth), (map.Width, map.Height, map.Depth));
        Assert.Equal(sagittal.Geometry.Affine, map.Geometry.Affine);
        Assert.Equal(new ReportGrid(28, 22, 24, 1, 1, 1), report.Grid);
        // The slices are the axial ones (22 of them along the stored axis 1), not the 24 stored sagittal planes.
        Assert.Equal(prepared.Slices.Select(s => s.SourceSlice), report.Slices.Select(s => s.Index));
        Assert.All(report.Slices, s => Assert.InRange(s.Index, 2, 19));
        Assert.Equal(report.Slices.Count, rendered.Files.Count(f => f.Name.StartsWith("overlays/", StringComparison.Ordinal)));
        var note = Assert.Single(report.Notes, n => n.Contains("sagittal", StringComparison.Ordinal));
        Assert.Contains("axial", note, StringComparison.Ordinal);
    }
}
