using Microsoft.Extensions.Options;
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
/// the model-size slices, and the outputs module's ScanResultRenderer (which detect uses too) writes the maps back in the
/// scan's own geometry: NIfTI map, mask and counterfactual, one overlay per analysed slice, a montage, and report.json.
/// </summary>
public sealed class ImagingScanCodec(ScanReadOptions readOptions, IOptions<ModelOptions> model, TimeProvider time) : IScanCodec
{
    /// <summary>
    /// The montage shows at most this many slices, so it stays readable for large volumes: the most anomalous ones first
    /// (<see cref="MontageSlices"/>), so a lesion on a few slices of a long volume is never left out of it.
    /// </summary>
    public const int MaxMontageTiles = 36;

    private static readonly ScanResultRenderer Renderer = new(MaxMontageTiles);

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
        // The token goes into the read: a zip of thousands of DICOM files, each maybe a minute in the transcoder, must stop
        // within the shutdown deadline (the transcoder's process is killed), not after it.
        var volume = ScanReader.Read(stream, readOptions with { CancellationToken = cancellationToken });
        var decoded = time.GetElapsedTime(started);
        cancellationToken.ThrowIfCancellationRequested();
        var preset = ModalityPresets.For(job.Modality, volume.Modality, sliceSize.Height, trainedFor, orientation);
        // And into the preparation, checked per slice: a 512x512x300 CT takes seconds to prepare.
        var prepared = ScanPreparation.Prepare(preset, volume, cancellationToken);
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
        var started = time.GetTimestamp();

        // The renderer detect uses too, so that the CLI's results for a scan are the worker's.
        var rendered = Renderer.Render(prepared.Prepared, [.. outputs.Select(o => new SliceMaps(o.AnomalyMap, o.Mask, o.Counterfactual, o.NormativeFallback))], cancellationToken);
        var timings = new Dictionary<string, double>(prepared.Timings) { ["outputs"] = time.GetElapsedTime(started).TotalMilliseconds };
        var (_, report) = ScanResultRenderer.Report(rendered, new ReportModel(model.Value.Name, job.ModelVersion, job.InferenceProfile), job.ScanId, timings);
        return [.. rendered.Files.Append(report).Select(f => new ResultFile(f.Name, BinaryData.FromBytes(f.Content), f.ContentType))];
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
