using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Outputs;

/// <summary>
/// One scan's rendered results before its report: the files (NIfTI map, mask and counterfactual, overlays, montage) and
/// what the report is built from (<see cref="ScanResultRenderer.Report"/>), so a host can time the rendering into it.
/// </summary>
public sealed record RenderedScan(
    IReadOnlyList<RenderedFile> Files,
    Volume Source,
    string PresetName,
    float[] Map,
    float[] Mask,
    IReadOnlyDictionary<int, double> SliceScores,
    IReadOnlyCollection<int> SingleThresholdSlices);
