using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Synomaly.Contracts;
using Synomaly.Diffusion.Inference;
using Synomaly.Imaging;
using Synomaly.Imaging.Outputs;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Reading;
using static TorchSharp.torch;

namespace Synomaly.Cli.Detection;

/// <summary>
/// Detects anomalies in one local scan and writes the results into a folder: the scan is decoded and prepared by its
/// modality preset, its slices go through the detector in batches, and the worker's ScanResultRenderer puts the maps back
/// onto the source grid. Files written: <c>heatmap.png</c> (overlays of the most anomalous slices), <c>overlays/NNNN.png</c>
/// (one per analysed slice), <c>anomaly-map.nii.gz</c>, <c>mask.nii.gz</c>, <c>counterfactual.nii.gz</c> (model intensities
/// in [−1, 1]), <c>report.json</c> and <c>inference.json</c>.
/// </summary>
internal sealed class LocalScanDetection(AnomalyDetector detector, DetectionSettings settings)
{
    /// <summary>At most this many slices appear in the heatmap montage (the highest scores); the worker's shows up to 36.</summary>
    public const int MaxMontageTiles = 16;

    private static readonly ScanResultRenderer Renderer = new(MaxMontageTiles);

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };

    /// <param name="progress">Called after every batch with (slices done, slices in the scan).</param>
    /// <param name="cancellationToken">
    /// Checked before the scan is read, while it is read (each file of a series, each frame, each chunk of NIfTI voxels, a
    /// running transcoder), before each batch and while the results are rendered: a cancelled run throws
    /// <see cref="OperationCanceledException"/> and leaves <paramref name="outputDirectory"/> to its caller to discard.
    /// </param>
    public ScanReport Run(string path, string outputDirectory, Action<int, int> progress, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var timings = new Dictionary<string, double>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        // The reader stops at the token too: a series of thousands of files, or a transcoder at a minute a file, would
        // otherwise be read to its end after Ctrl-C before the first batch noticed.
        var readOptions = (settings.ReadOptions ?? ScanReadOptions.Default) with { CancellationToken = cancellationToken };
        // A folder is one DICOM series, read as inspect reads it; ReadFile would try to open the folder as a file.
        var volume = Directory.Exists(path)
            ? ScanReader.ReadSeries(SeriesFolder.Read(path).SeriesFiles(), readOptions)
            : ScanReader.ReadFile(path, readOptions);
        var prepared = ScanPreparation.Prepare(ModalityPresets.For(settings.Modality, volume.Modality, settings.ModelSize, settings.TrainedFor, settings.Orientation), volume, cancellationToken);
        timings["read_and_prepare"] = clock.Elapsed.TotalMilliseconds;
        progress(0, prepared.Slices.Count);

        clock.Restart();
        var slices = Detect(prepared, progress, cancellationToken);
        timings["inference"] = clock.Elapsed.TotalMilliseconds;

        cancellationToken.ThrowIfCancellationRequested();
        clock.Restart();
        Directory.CreateDirectory(outputDirectory);
        // The worker's renderer: detect's results for a scan are the worker's, but for the montage's tile count.
        var rendered = Renderer.Render(prepared, [.. slices.Select(s => s.Maps)], cancellationToken);
        foreach (var file in rendered.Files)
        {
            WriteFile(outputDirectory, file);
        }

        timings["write"] = clock.Elapsed.TotalMilliseconds;

        var (report, reportFile) = ScanResultRenderer.Report(rendered, new ReportModel(settings.ModelName, settings.ModelVersion, settings.ProfileName), scanId: null, timings);
        WriteFile(outputDirectory, reportFile);
        File.WriteAllText(Path.Combine(outputDirectory, "inference.json"), JsonSerializer.Serialize(
            new InferenceRecord(settings.Options, [.. slices.Select(s => new SliceRecord(s.SourceSlice, s.Score, s.StagesRun, s.Maps.NormativeFallback))]), JsonOptions));
        return report;
    }

    private List<SliceResult> Detect(PreparedScan prepared, Action<int, int> progress, CancellationToken cancellationToken)
    {
        int size = prepared.ModelSize;
        var results = new List<SliceResult>(prepared.Slices.Count);
        for (int start = 0; start < prepared.Slices.Count; start += settings.BatchSize)
        {
            // A volume stops before its next batch, and inside a batch before its next stage.
            cancellationToken.ThrowIfCancellationRequested();
            var batch = prepared.Slices.Skip(start).Take(settings.BatchSize).ToList();
            DetectionResult detection;
            using (NewDisposeScope())
            {
                // A host tensor that Detect moves to the model's device: the CPU by name, not by the default device.
                var input = tensor(batch.SelectMany(s => s.Pixels).ToArray(), [batch.Count, 1, size, size], device: CPU);
                try
                {
                    // Per-slice noise seeding: a slice's map follows its pixels and the seed, not the batch it falls in.
                    detection = detector.Detect(input, settings.Options, cancellationToken: cancellationToken);
                }
                catch (NonFiniteInputException e)
                {
                    // The engine names positions in this batch, which mean nothing to the user: told as a rejected scan,
                    // by the volume's slice numbers, as the worker tells it by count.
                    throw NonFiniteSlices(e, batch);
                }
            }

            for (int i = 0; i < batch.Count; i++)
            {
                var maps = new SliceMaps(detection.Map(i).ToArray(), detection.Mask(i), detection.Reconstruction(i).ToArray(), detection.NormativeFallback[i]);
                // Scored as the report scores it: inside the imaged object the preset found.
                var score = ForegroundMaps.MarkedPixels(ForegroundMaps.Restricted(maps.AnomalyMap, batch[i].Foreground));
                results.Add(new SliceResult(batch[i].SourceSlice, maps, score, detection.StagesRun[i]));
            }

            progress(results.Count, prepared.Slices.Count);
        }

        return results;
    }

    /// <summary>
    /// The engine's refusal of non-finite slices as a rejection of the scan, naming the slices as report.json numbers them.
    /// Internal for its test: the presets scale finite voxels to finite pixels, so no scan reaches it through detect.
    /// </summary>
    internal static ScanRejectedException NonFiniteSlices(NonFiniteInputException error, List<ModelSlice> batch)
    {
        var slices = error.Slices.Select(i => batch[i].SourceSlice).ToList();
        string numbers = string.Join(", ", slices.Take(10).Select(z => z.ToString(CultureInfo.InvariantCulture))) + (slices.Count > 10 ? ", ..." : "");
        string which = string.Create(CultureInfo.InvariantCulture, $"{slices.Count} of the scan's prepared slices {(slices.Count == 1 ? "holds" : "hold")} NaN or infinite pixels ({(slices.Count == 1 ? "slice" : "slices")} {numbers}, numbered from 0 as report.json numbers them)");
        return new ScanRejectedException(
            ScanRejectionCode.Malformed,
            $"{which}, which the model refuses: the network would spread them over the whole slice and mark every pixel anomalous. The scan's voxel values are at fault.",
            error);
    }

    private static void WriteFile(string directory, RenderedFile file)
    {
        string path = Path.Combine(directory, file.Name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, file.Content);
    }

    private sealed record SliceResult(int SourceSlice, SliceMaps Maps, long Score, int StagesRun);

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
