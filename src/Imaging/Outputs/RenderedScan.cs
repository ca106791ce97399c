using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Outputs;

/// <summary>
/// One scan's rendered results before its report: the files (NIfTI map, mask and counterfactual, overlays, montage) and
/// what the report is built from (<see cref="ScanResultRenderer.Report"/>), so a host can time the rendering into it.
/// <see cref="Map"/>, <see cref="Mask"/> and the slice numbers lie on <see cref="Analysed"/>'s grid (the volume the
/// slices were cut from, <see cref="Presets.PreparedScan.Analysed"/>); the NIfTI files lie on <see cref="Source"/>'s.
/// </summary>
public sealed record RenderedScan(
    IReadOnlyList<RenderedFile> Files,
    Volume Source,
    Volume Analysed,
    string PresetName,
    float[] Map,
    float[] Mask,
    IReadOnlyDictionary<int, double> SliceScores,
    IReadOnlyCollection<int> SingleThresholdSlices);
