using Microsoft.Extensions.Options;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Synomaly.Contracts;
using Synomaly.GpuWorker.Inference;
using Synomaly.GpuWorker.Options;
using Synomaly.Imaging;
using Synomaly.Imaging.Outputs;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Reading;

namespace Synomaly.GpuWorker.Scans;

/// <summary>
/// The Imaging module behind the worker: ScanReader decodes (typed rejections for bad input; the DICOM transcoder chosen by
/// Worker__DicomTranscoder comes with <paramref name="readOptions"/>), the modality preset makes
/// the model-size slices, and the outputs module writes the maps back in the scan's own geometry: NIfTI map, mask and
/// counterfactual, one overlay per analysed slice, a montage, and report.json.
/// </summary>
public sealed class ImagingScanCodec(ScanReadOptions readOptions, IOptions<ModelOptions> model, TimeProvider time) : IScanCodec
{
    /// <summary>
    /// The montage shows at most this many slices, so it stays readable for large volumes: the most anomalous ones first
    /// (<see cref="MontageSlices"/>), so a lesion on a few slices of a long volume is never left out of it.
    /// </summary>
    public const int MaxMontageTiles = 36;

    public DecodedScanSlices Prepare(
        BinaryData scan, ScanJob job, (int Height, int Width) sliceSize, ModalityHint trainedFor, SliceOrientation orientation, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scan);
        ArgumentNullException.ThrowIfNull(job);
        if (sliceSize.Height != sliceSize.Width)
        {
            throw new InvalidOperationException($"The presets make square slices; the model takes {sliceSize.Height}x{sliceSize.Width}.");
        }

        var started = time.GetTimestamp();
        using var stream = scan.ToStream();
        var volume = ScanReader.Read(stream, readOptions);
        var decoded = time.GetElapsedTime(started);
        cancellationToken.ThrowIfCancellationRequested();
        var preset = ModalityPresets.For(job.Modality, volume.Modality, sliceSize.Height, trainedFor, orientation);
        var prepared = preset.Prepare(volume);
        var timings = new Dictionary<string, double>
        {
            ["decode"] = decoded.TotalMilliseconds,
            ["preprocess"] = (time.GetElapsedTime(started) - decoded).TotalMilliseconds,
        };
        return new PresetScanSlices(prepared, timings);
    }

    public IReadOnlyList<ResultFile> Render(ScanJob job, DecodedScanSlices scan, IReadOnlyList<SliceOutput> outputs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(outputs);
        var prepared = scan as PresetScanSlices ?? throw new ArgumentException("The scan was not prepared by this codec.", nameof(scan));
        var source = prepared.Prepared.Source;
        var started = time.GetTimestamp();

        // Maps are restricted to the imaged object the preset found (brain, body, ultrasound sector).
        var slices = prepared.Prepared.Slices;
        var maps = outputs.Select((o, i) => ForegroundMaps.Restricted(o.AnomalyMap, slices[i].Foreground)).ToList();
        var masks = outputs.Select((o, i) => o.Mask.Select((m, p) => m && slices[i].Foreground[p]).ToArray()).ToList();
        var map = prepared.Prepared.MapToSource(maps);
        var mask = prepared.Prepared.MaskToSource(masks);
        var counterfactual = prepared.Prepared.MapToSource([.. outputs.Select(o => o.Counterfactual)]);
        cancellationToken.ThrowIfCancellationRequested();

        var files = new List<ResultFile>
        {
            Nifti(BlobLayout.AnomalyMapFile, s => ResultVolumes.WriteAnomalyMap(s, source, map)),
            Nifti(BlobLayout.MaskFile, s => ResultVolumes.WriteMask(s, source, mask)),
            Nifti(BlobLayout.CounterfactualFile, s => ResultVolumes.WriteCounterfactual(s, source, counterfactual)),
        };

        // One colour scale for the whole scan: scaled to its own maximum, a spot just above the threshold would look as
        // strong as a large lesion on another slice.
        var scale = new OverlayOptions { ScaleMax = Math.Max(map.Max(), 1e-6f) };
        var analysed = slices.Select(s => s.SourceSlice).Distinct().Order().ToList();
        foreach (var z in analysed)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (grey, heat) = DisplaySlice(source, map, z);
            var png = HeatmapOverlay.RenderPng(grey, heat, source.Width, source.Height, scale);
            files.Add(new ResultFile(BlobLayout.OverlayFile(z), BinaryData.FromBytes(png), "image/png"));
        }

        // The engine counted mask pixels over the whole model slice; the report scores what the map and mask show, so each
        // slice's score is counted again (same definition: anomalous pixels of the model slice) inside the foreground.
        var scores = new Dictionary<int, double>();
        for (var i = 0; i < slices.Count; i++)
        {
            scores[slices[i].SourceSlice] = Math.Max(scores.GetValueOrDefault(slices[i].SourceSlice), masks[i].Count(m => m));
        }

        var shown = MontageSlices.Choose(analysed, z => scores[z], z => z, MaxMontageTiles);
        files.Add(new ResultFile(BlobLayout.HeatmapFile, BinaryData.FromBytes(RenderMontage(source, map, shown, scale)), "image/png"));

        var timings = new Dictionary<string, double>(prepared.Timings) { ["outputs"] = time.GetElapsedTime(started).TotalMilliseconds };
        var singleThreshold = slices.Where((_, i) => outputs[i].NormativeFallback).Select(s => s.SourceSlice).ToHashSet();
        var report = ScanReportBuilder.Build(source, map, mask, scores, new ReportModel(model.Value.Name, job.ModelVersion, job.InferenceProfile), prepared.Prepared.PresetName, job.ScanId, timings, singleThreshold);
        files.Add(new ResultFile(BlobLayout.ReportFile, BinaryData.FromBytes(ScanReportBuilder.ToJson(report)), "application/json"));
        return files;
    }

    /// <summary>
    /// Slice <paramref name="z"/> of the scan and of its map as people expect to see it: overlays are pictures, so they
    /// follow the display layout (rows reversed where the volume's y axis runs up the stored rows, as in a RAS NIfTI, so
    /// that anterior is at the top), whatever layout the model read; the NIfTI results stay on the stored voxels.
    /// </summary>
    private static (float[] Grey, float[] Map) DisplaySlice(Imaging.Volumes.Volume source, float[] map, int z)
    {
        var display = SliceLayout.Of(source, SliceOrientation.Display);
        return (display.Extract(source, z), display.Arrange<float>(map.AsSpan(z * source.SliceLength, source.SliceLength), source.Width, source.Height));
    }

    private static ResultFile Nifti(string name, Action<Stream> write)
    {
        using var buffer = new MemoryStream();
        write(buffer);
        return new ResultFile(name, BinaryData.FromBytes(buffer.ToArray()), "application/gzip");
    }

    /// <summary>One tile per slice of <paramref name="shown"/> (in slice order), labelled with its slice number.</summary>
    private static byte[] RenderMontage(Imaging.Volumes.Volume source, float[] map, IReadOnlyList<int> shown, OverlayOptions scale)
    {
        var tiles = new List<Image<Rgb24>>();
        try
        {
            foreach (var z in shown)
            {
                var (grey, heat) = DisplaySlice(source, map, z);
                tiles.Add(HeatmapOverlay.Render(grey, heat, source.Width, source.Height, scale with { Label = $"z={z}" }));
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

    /// <summary>The preset's slices and their mapping back, with the decode and preprocessing times for the report.</summary>
    private sealed class PresetScanSlices(PreparedScan prepared, IReadOnlyDictionary<string, double> timings) : DecodedScanSlices
    {
        private readonly IReadOnlyList<float[]> slices = [.. prepared.Slices.Select(s => s.Pixels)];

        public PreparedScan Prepared => prepared;

        public IReadOnlyDictionary<string, double> Timings => timings;

        public override IReadOnlyList<float[]> Slices => slices;
    }
}
