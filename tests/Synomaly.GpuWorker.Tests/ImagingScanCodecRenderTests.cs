using Synomaly.Contracts;
using Synomaly.GpuWorker.Inference;
using Synomaly.GpuWorker.Options;
using Synomaly.GpuWorker.Scans;
using Synomaly.GpuWorker.Tests.Support;
using Synomaly.Imaging;
using Synomaly.Imaging.Nifti;
using Synomaly.Imaging.Outputs;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Reading;
using Synomaly.Imaging.Volumes;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Synomaly.GpuWorker.Tests;

/// <summary>What the worker's codec writes from the engine's slice outputs: the report's scores, the overlays and the montage.</summary>
public sealed class ImagingScanCodecRenderTests
{
    private const int Size = UntrainedInference.Size;

    /// <summary>A 40-pixel block in the top-left corner, far outside the head disc.</summary>
    private static bool InCorner(int p) => p % Size < 10 && p / Size < 4;

    /// <summary>A 3x3 block at the centre of the head disc.</summary>
    private static bool InCentre(int p) => Math.Abs((p % Size) - 16) <= 1 && Math.Abs((p / Size) - 16) <= 1;

    [Fact]
    public void Report_scores_count_only_the_anomalous_pixels_inside_the_foreground_the_mask_shows()
    {
        var (codec, job, scan) = Prepared(depth: 2);
        // Slice 0 is flagged only in the background; slice 1 also at the centre of the head. The engine counts both.
        var outputs = scan.Slices.Select((s, z) =>
        {
            bool[] mask = [.. Enumerable.Range(0, s.Length).Select(p => InCorner(p) || (z == 1 && InCentre(p)))];
            return new SliceOutput(new float[s.Length], [.. mask.Select(m => m ? 1f : 0f)], mask, mask.Count(m => m), 1);
        }).ToList();

        var report = Report(codec.Render(job, scan, outputs, TestContext.Current.CancellationToken));

        Assert.Equal([40f, 49f], outputs.Select(o => o.Score));
        Assert.Equal([0d, 9d], report.Slices.Select(s => s.Score));
        Assert.Equal(0, report.Slices[0].AnomalousPixels);
        Assert.True(report.Slices[1].AnomalousPixels > 0);
        Assert.Equal(9d, report.ImageScore);
    }

    [Fact]
    public void The_montage_shows_a_lesion_found_on_one_slice_of_a_volume_longer_than_the_montage()
    {
        // 72 slices, twice the montage's tiles; the lesion is on the last slice only, which every other slice would skip.
        var (codec, job, scan) = Prepared(depth: 72);
        var outputs = scan.Slices.Select((s, z) =>
        {
            bool[] mask = [.. Enumerable.Range(0, s.Length).Select(p => z == 71 && InCentre(p))];
            return new SliceOutput(new float[s.Length], [.. mask.Select(m => m ? 1f : 0f)], mask, mask.Count(m => m), 1);
        }).ToList();

        var files = codec.Render(job, scan, outputs, TestContext.Current.CancellationToken);
        using var montage = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(files.Single(f => f.RelativePath == BlobLayout.HeatmapFile).Content.ToStream());

        // 36 tiles make a 6x6 grid with 2-pixel gaps; the last cell holds the last slice shown, its image under the label.
        const int Columns = 6, Gap = 2;
        Assert.Equal(ImagingScanCodec.MaxMontageTiles, Columns * Columns);
        int cellWidth = (montage.Width - ((Columns - 1) * Gap)) / Columns, cellHeight = (montage.Height - ((Columns - 1) * Gap)) / Columns;
        int left = (Columns - 1) * (cellWidth + Gap), top = ((Columns - 1) * (cellHeight + Gap)) + (cellHeight - Size);
        var coloured = Enumerable.Range(0, Size * Size).Select(p => montage[left + (p % Size), top + (p / Size)]).Count(c => c.R != c.G || c.G != c.B);
        Assert.True(coloured > 0, "The last tile should be the lesion's slice, with the lesion coloured.");
        Assert.Equal(9d, Report(files).ImageScore);
    }

    [Fact]
    public void A_montage_without_findings_spreads_its_tiles_evenly_over_the_volume()
    {
        var shown = MontageSlices.Choose([.. Enumerable.Range(0, 72)], _ => 0, z => z, ImagingScanCodec.MaxMontageTiles);

        Assert.Equal(Enumerable.Range(0, 36).Select(k => 2 * k), shown);
    }

    [Fact]
    public void A_montage_shows_the_highest_scores_first_and_fills_the_places_left_in_slice_order()
    {
        double[] scores = [0, 5, 0, 9, 0, 0, 1, 0];

        var shown = MontageSlices.Choose([.. Enumerable.Range(0, 8)], z => scores[z], z => z, 4);

        // 9, 5 and 1 are shown; one place is left for the five quiet slices, the first of them.
        Assert.Equal([0, 1, 3, 6], shown);
        Assert.Equal([1, 3], MontageSlices.Choose([.. Enumerable.Range(0, 8)], z => scores[z], z => z, 2));
    }

    [Fact]
    public void Overlays_share_one_colour_scale_so_a_faint_spot_looks_fainter_than_a_strong_one()
    {
        // The same spot on two slices: strong (1) on slice 0, just above a threshold (0.1) on slice 1.
        var (codec, job, scan) = Prepared(depth: 2);
        var outputs = scan.Slices.Select((s, z) =>
        {
            bool[] mask = [.. Enumerable.Range(0, s.Length).Select(InCentre)];
            return new SliceOutput(new float[s.Length], [.. mask.Select(m => m ? (z == 0 ? 1f : 0.1f) : 0f)], mask, 9, 1);
        }).ToList();

        var files = codec.Render(job, scan, outputs, TestContext.Current.CancellationToken);

        int Colour(string overlay)
        {
            using var image = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgb24>(files.Single(f => f.RelativePath == $"{BlobLayout.OverlaysFolder}/{overlay}").Content.ToStream());
            var centre = image[16, 16];
            return Math.Max(centre.R, Math.Max(centre.G, centre.B)) - Math.Min(centre.R, Math.Min(centre.G, centre.B));
        }

        Assert.True(Colour("0000.png") > 2 * Colour("0001.png"), $"Strong spot colour {Colour("0000.png")}, faint spot colour {Colour("0001.png")}.");
    }

    [Fact]
    public void The_worker_writes_exactly_the_files_the_renderer_detect_shares_makes_for_the_same_maps()
    {
        var (codec, job, scan) = Prepared(depth: 3);
        var outputs = scan.Slices.Select((s, z) =>
        {
            float[] map = [.. Enumerable.Range(0, s.Length).Select(p => InCentre(p) || InCorner(p) ? 0.2f * (z + 1) : 0f)];
            return new SliceOutput([.. s.Select(v => -v)], map, [.. map.Select(v => v != 0)], map.Count(v => v != 0), 1);
        }).ToList();

        var files = codec.Render(job, scan, outputs, TestContext.Current.CancellationToken);

        // The scan as detect prepares it (the same preset), rendered by the shared renderer with detect's montage size:
        // three slices are fewer than either montage shows.
        var volume = ScanReader.Read(HeadDiscs(3).ToStream(), ScanReadOptions.Default);
        var prepared = ModalityPresets.For(ModalityHint.BrainMri, volume.Modality, Size).Prepare(volume, TestContext.Current.CancellationToken);
        var expected = new ScanResultRenderer(maxMontageTiles: 16).Render(prepared, [.. outputs.Select(o => new SliceMaps(o.AnomalyMap, o.Mask, o.Counterfactual))], TestContext.Current.CancellationToken);
        Assert.Equal([.. expected.Files.Select(f => f.Name), BlobLayout.ReportFile], files.Select(f => f.RelativePath));
        Assert.Equal(["overlays/0000.png", "overlays/0001.png", "overlays/0002.png"], files.Select(f => f.RelativePath).Where(n => n.StartsWith("overlays/", StringComparison.Ordinal)));
        Assert.All(expected.Files, e => Assert.Equal(e.Content, files.Single(f => f.RelativePath == e.Name).Content.ToArray()));
        // The report too, but for what only the worker knows: the scan id and its timings.
        var report = Report(files);
        var (expectedReport, _) = ScanResultRenderer.Report(expected, report.Model, job.ScanId, report.TimingsMs);
        Assert.Equal(ScanReportBuilder.ToJson(expectedReport), ScanReportBuilder.ToJson(report));
    }

    [Fact]
    public void A_sagittal_upload_is_analysed_in_axial_slices_and_its_maps_lie_on_its_own_voxels()
    {
        // Twenty axial head discs stored as a sagittal 3-D T1 is (array axes anterior, superior, right: 32 x 20 x 32).
        const int Depth = 20;
        var codec = new ImagingScanCodec(ScanReadOptions.Default, MsOptions.Create(new ModelOptions()), TimeProvider.System);
        var job = StubScanJob.For("render-sagittal", ModalityHint.BrainMri);
        var scan = codec.Prepare(SagittalHeadDiscs(Depth), job, (Size, Size), ModalityHint.BrainMri, SliceOrientation.Display, TestContext.Current.CancellationToken);
        // The centre of axial slice 7 only is anomalous.
        var outputs = scan.Slices.Select((s, k) =>
        {
            bool[] mask = [.. Enumerable.Range(0, s.Length).Select(p => k == 7 && InCentre(p))];
            return new SliceOutput(new float[s.Length], [.. mask.Select(m => m ? 1f : 0f)], mask, mask.Count(m => m), 1);
        }).ToList();

        var files = codec.Render(job, scan, outputs, TestContext.Current.CancellationToken);

        using var stream = files.Single(f => f.RelativePath == BlobLayout.MaskFile).Content.ToStream();
        var mask = NiftiReader.Read(stream, ScanReadLimits.Default);
        Assert.Equal((Size, Depth, Size), (mask.Width, mask.Height, mask.Depth));
        // Stored voxel (a, s, r) is axial (x = r, y = a, z = s): the finding lies at the centre of s = 7 and nowhere else.
        Assert.Equal(1f, mask[16, 7, 16]);
        Assert.Equal(9, mask.Voxels.Count(v => v != 0));
        Assert.All(Enumerable.Range(0, Size * Size * Depth).Where(i => mask.Voxels[i] != 0), i => Assert.Equal(7, i / Size % Depth));
        var report = Report(files);
        Assert.Equal(Depth, scan.Slices.Count);
        Assert.Equal(Enumerable.Range(0, Depth), report.Slices.Select(s => s.Index));
        Assert.Equal(9d, report.Slices[7].Score);
        Assert.Contains(report.Notes, n => n.StartsWith("Stored in sagittal slices", StringComparison.Ordinal));
    }

    private static (ImagingScanCodec Codec, ScanJob Job, DecodedScanSlices Scan) Prepared(int depth)
    {
        var codec = new ImagingScanCodec(ScanReadOptions.Default, MsOptions.Create(new ModelOptions()), TimeProvider.System);
        var job = StubScanJob.For("render-1", ModalityHint.BrainMri);
        var scan = codec.Prepare(HeadDiscs(depth), job, (Size, Size), ModalityHint.BrainMri, SliceOrientation.Display, TestContext.Current.CancellationToken);
        return (codec, job, scan);
    }

    private static ScanReport Report(IReadOnlyList<ResultFile> files) =>
        ScanReportBuilder.FromJson(files.Single(f => f.RelativePath == BlobLayout.ReportFile).Content.ToArray());

    /// <summary>
    /// <see cref="HeadDiscs"/>' axial discs (world x right, y anterior, z superior) stored sagittally: array axes running
    /// anterior, superior and right, with the affine that says so.
    /// </summary>
    private static BinaryData SagittalHeadDiscs(int depth)
    {
        var voxels = new float[Size * depth * Size];
        for (int r = 0; r < Size; r++)
        {
            for (int s = 0; s < depth; s++)
            {
                for (int a = 0; a < Size; a++)
                {
                    voxels[a + (Size * (s + (depth * r)))] = Math.Pow(r - 16, 2) + Math.Pow(a - 16, 2) < 64 ? 1000f : 0f;
                }
            }
        }

        var geometry = new VolumeGeometry(1, 1, 1, [0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
        using var output = new MemoryStream();
        NiftiWriter.Write(output, voxels, Size, depth, Size, NiftiGeometry.FromAffine(geometry), NiftiDataType.Float32, gzip: true, "synthetic");
        return BinaryData.FromBytes(output.ToArray());
    }

    /// <summary>A bright disc of radius 8 at the centre of every slice on a dark background: the preset's foreground.</summary>
    private static BinaryData HeadDiscs(int depth)
    {
        float[] disc = [.. Enumerable.Range(0, Size * Size).Select(p => Math.Pow((p % Size) - 16, 2) + Math.Pow((p / Size) - 16, 2) < 64 ? 1000f : 0f)];
        var voxels = Enumerable.Range(0, depth).SelectMany(_ => disc).ToArray();
        var volume = new Volume(voxels, Size, Size, depth, VolumeGeometry.Unit(), Modality.MR, new VolumeProvenance { Format = ScanFormat.NiftiGzip });
        using var output = new MemoryStream();
        NiftiWriter.Write(output, voxels, Size, Size, depth, NiftiGeometry.ForVolume(volume), NiftiDataType.Float32, gzip: true, "synthetic");
        return BinaryData.FromBytes(output.ToArray());
    }
}
