using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using Synomaly.Contracts;
using Synomaly.Diffusion.Inference;
using Synomaly.Imaging.Outputs;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Reading;
using static TorchSharp.torch;

namespace Synomaly.Cli.Detection;

/// <summary>
/// Detects anomalies in one local scan and writes the results into a folder: the scan is decoded and prepared by its
/// modality preset, its slices go through the detector in batches, and the maps come back onto the source grid.
/// Files written: <c>heatmap.png</c> (overlays of the most anomalous slices), <c>anomaly-map.nii.gz</c>, <c>mask.nii.gz</c>,
/// <c>counterfactual.nii.gz</c> (model intensities in [−1, 1]), <c>report.json</c> and <c>inference.json</c>.
/// </summary>
internal sealed class LocalScanDetection(AnomalyDetector detector, DetectionSettings settings)
{
    /// <summary>At most this many slices appear in the heatmap montage (the highest scores).</summary>
    public const int MaxMontageTiles = 16;

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };

    /// <param name="progress">Called after every batch with (slices done, slices in the scan).</param>
    public ScanReport Run(string path, string outputDirectory, Action<int, int> progress)
    {
        var timings = new Dictionary<string, double>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        // A folder is one DICOM series, read as inspect reads it; ReadFile would try to open the folder as a file.
        var volume = Directory.Exists(path)
            ? ScanReader.ReadSeries(SeriesFolder.Read(path).DicomFiles, settings.ReadOptions)
            : ScanReader.ReadFile(path, settings.ReadOptions);
        var prepared = ModalityPresets.For(settings.Modality, volume.Modality, settings.ModelSize, settings.TrainedFor, settings.Orientation).Prepare(volume);
        timings["read_and_prepare"] = clock.Elapsed.TotalMilliseconds;
        progress(0, prepared.Slices.Count);

        clock.Restart();
        var slices = Detect(prepared, progress);
        timings["inference"] = clock.Elapsed.TotalMilliseconds;

        clock.Restart();
        Directory.CreateDirectory(outputDirectory);
        var map = prepared.MapToSource([.. slices.Select(s => s.Map)]);
        var mask = prepared.MaskToSource([.. slices.Select(s => s.Map.Select(v => v != 0).ToArray())]);
        WriteVolume(outputDirectory, "anomaly-map.nii.gz", stream => ResultVolumes.WriteAnomalyMap(stream, volume, map));
        WriteVolume(outputDirectory, "mask.nii.gz", stream => ResultVolumes.WriteMask(stream, volume, mask));
        WriteVolume(outputDirectory, "counterfactual.nii.gz", stream => ResultVolumes.WriteCounterfactual(stream, volume, prepared.MapToSource([.. slices.Select(s => s.Reconstruction)])));
        if (slices.Count > 0)
        {
            File.WriteAllBytes(Path.Combine(outputDirectory, "heatmap.png"), Heatmap(prepared, slices));
        }

        timings["write"] = clock.Elapsed.TotalMilliseconds;

        var report = ScanReportBuilder.Build(
            volume, map, mask, slices.ToDictionary(s => s.SourceSlice, s => (double)s.Score),
            new ReportModel(settings.ModelName, settings.ModelVersion, settings.ProfileName), prepared.PresetName, timingsMs: timings,
            singleThresholdSlices: [.. slices.Where(s => s.NormativeFallback).Select(s => s.SourceSlice)]);
        File.WriteAllBytes(Path.Combine(outputDirectory, "report.json"), ScanReportBuilder.ToJson(report));
        File.WriteAllText(Path.Combine(outputDirectory, "inference.json"), JsonSerializer.Serialize(
            new InferenceRecord(settings.Options, [.. slices.Select(s => new SliceRecord(s.SourceSlice, s.Score, s.StagesRun, s.NormativeFallback))]), JsonOptions));
        return report;
    }

    private List<SliceResult> Detect(PreparedScan prepared, Action<int, int> progress)
    {
        int size = prepared.ModelSize;
        var results = new List<SliceResult>(prepared.Slices.Count);
        for (int start = 0; start < prepared.Slices.Count; start += settings.BatchSize)
        {
            var batch = prepared.Slices.Skip(start).Take(settings.BatchSize).ToList();
            DetectionResult detection;
            using (NewDisposeScope())
            {
                var input = tensor(batch.SelectMany(s => s.Pixels).ToArray()).reshape(batch.Count, 1, size, size);
                // Per-slice noise seeding: a slice's map follows its pixels and the seed, not the batch it falls in.
                detection = detector.Detect(input, settings.Options);
            }

            for (int i = 0; i < batch.Count; i++)
            {
                // As the worker serves maps: restricted to the imaged object the preset found, and scored there.
                var map = ForegroundMaps.Restricted(detection.Map(i).ToArray(), batch[i].Foreground);
                results.Add(new SliceResult(
                    batch[i].SourceSlice, map, detection.Reconstruction(i).ToArray(), ForegroundMaps.MarkedPixels(map), detection.StagesRun[i], detection.NormativeFallback[i]));
            }

            progress(results.Count, prepared.Slices.Count);
        }

        return results;
    }

    /// <summary>Overlays of the most anomalous slices (in slice order), all on one colour scale, in the display layout.</summary>
    private static byte[] Heatmap(PreparedScan prepared, List<SliceResult> slices)
    {
        int size = prepared.ModelSize;
        float scaleMax = Math.Max(slices.Count == 0 ? 0 : slices.Max(s => s.Map.Max()), 1e-6f);
        var shown = MontageSlices.Choose(
            slices.Select((s, i) => (Slice: s, Input: prepared.Slices[i])).ToList(), p => p.Slice.Score, p => p.Slice.SourceSlice, MaxMontageTiles);
        var tiles = shown.Select(p => HeatmapOverlay.Render(
            p.Input.Layout.ToDisplay<float>(p.Input.Pixels, size, prepared.Source), p.Input.Layout.ToDisplay<float>(p.Slice.Map, size, prepared.Source), size, size, new OverlayOptions
        {
            ScaleMax = scaleMax,
            PixelScale = size < 256 ? 2 : 1,
            Label = $"z{p.Slice.SourceSlice} {p.Slice.Score}px",
        })).ToList();
        try
        {
            return Montage.RenderPng(tiles);
        }
        finally
        {
            tiles.ForEach(t => t.Dispose());
        }
    }

    private static void WriteVolume(string directory, string name, Action<Stream> write)
    {
        using var stream = File.Create(Path.Combine(directory, name));
        write(stream);
    }

    private sealed record SliceResult(int SourceSlice, float[] Map, float[] Reconstruction, long Score, int StagesRun, bool NormativeFallback);

    private sealed record SliceRecord(int SourceSlice, long Score, int StagesRun, bool NormativeFallback);

    private sealed record InferenceRecord(InferenceOptions Options, IReadOnlyList<SliceRecord> Slices);
}

/// <summary>
/// What <see cref="LocalScanDetection"/> needs besides the detector: model identity, profile, options, batching, the
/// caller's modality hint, the modality and slice layout the model card says the model was trained for, and how scans
/// are read (null: the reader's defaults, without a DICOM transcoder).
/// </summary>
internal sealed record DetectionSettings(
    string ModelName, string ModelVersion, string ProfileName, InferenceOptions Options, int ModelSize, int BatchSize, ModalityHint Modality,
    ModalityHint TrainedFor = ModalityHint.Auto, SliceOrientation Orientation = SliceOrientation.Display, ScanReadOptions? ReadOptions = null);
