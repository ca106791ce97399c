using Synomaly.Contracts;
using Synomaly.GpuWorker.Inference;
using Synomaly.Imaging.Presets;

namespace Synomaly.GpuWorker.Scans;

/// <summary>
/// Turns an uploaded scan into model-size slices, and the model's per-slice outputs back into result files (maps in the
/// source geometry, overlays, montage, report). Bad input throws Synomaly.Imaging.ScanRejectedException with its code.
/// </summary>
public interface IScanCodec
{
    /// <summary>
    /// Decodes and prepares the scan at the model's slice size, with the preset of the job's modality hint, else of the
    /// modality the model was trained for (<paramref name="trainedFor"/>), else of the file's own modality; slices are laid
    /// out as the model was trained (<paramref name="orientation"/>).
    /// </summary>
    DecodedScanSlices Prepare(
        BinaryData scan, ScanJob job, (int Height, int Width) sliceSize, ModalityHint trainedFor, SliceOrientation orientation, CancellationToken cancellationToken = default);

    /// <summary>The result files; must include report.json (BlobLayout.ReportFile), which the writer stores last.</summary>
    IReadOnlyList<ResultFile> Render(ScanJob job, DecodedScanSlices scan, IReadOnlyList<SliceOutput> outputs, CancellationToken cancellationToken = default);
}
