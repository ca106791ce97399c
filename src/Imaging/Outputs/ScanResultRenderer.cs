using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Synomaly.Contracts;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Outputs;

/// <summary>
/// Turns the detector's per-slice maps for one prepared scan into its result files, the same for every host (the worker's
/// ImagingScanCodec and the CLI's detect): maps restricted to the imaged object the preset found, put back onto the source
/// grid (NIfTI map, mask and counterfactual), one overlay per analysed slice and a montage of the most anomalous ones, all
/// at source resolution in the display layout of the slices as they were cut (axial slices of a volume the preset
/// reoriented) on one colour scale, and report.json. Hosts differ only in how many tiles
/// their montage shows (<paramref name="maxMontageTiles"/>).
/// </summary>
public sealed class ScanResultRenderer(int maxMontageTiles)
{
    public RenderedScan Render(PreparedScan prepared, IReadOnlyList<SliceMaps> outputs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        ArgumentNullException.ThrowIfNull(outputs);
        var slices = prepared.Slices;
        if (outputs.Count != slices.Count)
        {
            throw new ArgumentException($"The scan has {slices.Count} model slices; {outputs.Count} outputs were given.", nameof(outputs));
        }

        // Pictures, slice numbers and the report follow the slices as they were cut (axial, even for a volume stored
        // sagittally, which the preset reoriented); the NIfTI results lie on the input's own grid, voxel for voxel.
        var source = prepared.Source;
        var analysed = prepared.Analysed;
        var maps = outputs.Select((o, i) => ForegroundMaps.Restricted(o.AnomalyMap, slices[i].Foreground)).ToList();
        var masks = outputs.Select((o, i) => o.Mask.Select((m, p) => m && slices[i].Foreground[p]).ToArray()).ToList();
        var map = prepared.MapToAnalysed(maps);
        var mask = prepared.MaskToAnalysed(masks);
        var counterfactual = prepared.MapToSource([.. outputs.Select(o => o.Counterfactual)]);
        cancellationToken.ThrowIfCancellationRequested();

        var files = new List<RenderedFile>
        {
            Nifti(BlobLayout.AnomalyMapFile, s => ResultVolumes.WriteAnomalyMap(s, source, prepared.ToSource(map))),
            Nifti(BlobLayout.MaskFile, s => ResultVolumes.WriteMask(s, source, prepared.ToSource(mask))),
            Nifti(BlobLayout.CounterfactualFile, s => ResultVolumes.WriteCounterfactual(s, source, counterfactual)),
        };

        // One colour scale for the whole scan, from the map as it is shown (on the analysed grid): scaled to its own
        // maximum, a spot just above the threshold would look as strong as a large lesion on another slice.
        var scale = new OverlayOptions { ScaleMax = Math.Max(map.Length == 0 ? 0 : map.Max(), 1e-6f) };
        var analysedSlices = slices.Select(s => s.SourceSlice).Distinct().Order().ToList();
        foreach (var z in analysedSlices)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (grey, heat) = DisplaySlice(analysed, map, z);
            files.Add(new RenderedFile(BlobLayout.OverlayFile(z), HeatmapOverlay.RenderPng(grey, heat, analysed.Width, analysed.Height, scale), "image/png"));
        }

        // The engine counted mask pixels over the whole model slice; the report scores what the map and mask show, so each
        // slice's score is counted again (same definition: anomalous pixels of the model slice) inside the foreground.
        var scores = new Dictionary<int, double>();
        for (var i = 0; i < slices.Count; i++)
        {
            scores[slices[i].SourceSlice] = Math.Max(scores.GetValueOrDefault(slices[i].SourceSlice), masks[i].Count(m => m));
        }

        if (analysedSlices.Count > 0)
        {
            var shown = MontageSlices.Choose(analysedSlices, z => scores[z], z => z, maxMontageTiles);
            files.Add(new RenderedFile(BlobLayout.HeatmapFile, RenderMontage(analysed, map, shown, scale), "image/png"));
        }

        var singleThreshold = slices.Where((_, i) => outputs[i].NormativeFallback).Select(s => s.SourceSlice).ToHashSet();
        return new RenderedScan(files, source, analysed, prepared.PresetName, map, mask, scores, singleThreshold);
    }

    /// <summary>The scan's report and its report.json, which hosts store last (the worker's completion marker).</summary>
    public static (ScanReport Report, RenderedFile File) Report(RenderedScan scan, ReportModel model, string? scanId, IReadOnlyDictionary<string, double>? timingsMs)
    {
        ArgumentNullException.ThrowIfNull(scan);
        // Slices are measured where they were cut (a reoriented copy's axial slices and pixel areas, with its note); the
        // grid the report names is the input's, which the NIfTI results lie on.
        var report = ScanReportBuilder.Build(scan.Analysed, scan.Map, scan.Mask, scan.SliceScores, model, scan.PresetName, scanId, timingsMs, scan.SingleThresholdSlices);
        if (!ReferenceEquals(scan.Analysed, scan.Source))
        {
            var source = scan.Source;
            report = report with
            {
                Grid = new ReportGrid(source.Width, source.Height, source.Depth, source.Geometry.SpacingX, source.Geometry.SpacingY, source.Geometry.SpacingZ),
            };
        }

        return (report, new RenderedFile(BlobLayout.ReportFile, ScanReportBuilder.ToJson(report), "application/json"));
    }

    /// <summary>
    /// Slice <paramref name="z"/> of the scan and of its map as people expect to see it: overlays are pictures, so they
    /// follow the picture layout (rows reversed where the volume's y axis runs up the stored rows, as in a RAS NIfTI, so
    /// that anterior is at the top; columns as stored), whatever layout the model read; the NIfTI results stay on the
    /// stored voxels.
    /// </summary>
    private static (float[] Grey, float[] Map) DisplaySlice(Volume volume, float[] map, int z)
    {
        var display = SliceLayout.ForPictures(volume);
        return (display.Extract(volume, z), display.Arrange<float>(map.AsSpan(z * volume.SliceLength, volume.SliceLength), volume.Width, volume.Height));
    }

    private static RenderedFile Nifti(string name, Action<Stream> write)
    {
        using var buffer = new MemoryStream();
        write(buffer);
        return new RenderedFile(name, buffer.ToArray(), "application/gzip");
    }

    /// <summary>One tile per slice of <paramref name="shown"/> (in slice order), labelled with its slice number.</summary>
    private static byte[] RenderMontage(Volume volume, float[] map, IReadOnlyList<int> shown, OverlayOptions scale)
    {
        var tiles = new List<Image<Rgb24>>();
        try
        {
            foreach (var z in shown)
            {
                var (grey, heat) = DisplaySlice(volume, map, z);
                tiles.Add(HeatmapOverlay.Render(grey, heat, volume.Width, volume.Height, scale with { Label = $"z={z}" }));
            }

            return Montage.RenderPng(tiles);
        }
        finally
        {
            foreach (var tile in tiles)
            {
                tile.Dispose();
            }
        }
    }
}
