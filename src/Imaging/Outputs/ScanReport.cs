using Synomaly.Contracts;
using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Outputs;

/// <summary>
/// The report.json of one scan: what was analysed, with which model, and what was found, per slice and in physical units.
/// Technical facts only: no patient data, no file names, no DICOM identifiers.
/// </summary>
public sealed record ScanReport
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>The opaque scan id assigned at upload.</summary>
    public string? ScanId { get; init; }

    public required ScanFormat Format { get; init; }

    public required Modality Modality { get; init; }

    public required string Preset { get; init; }

    public required ReportModel Model { get; init; }

    public required ReportGrid Grid { get; init; }

    public required IReadOnlyList<SliceFinding> Slices { get; init; }

    /// <summary>The scan-level score: the largest slice score.</summary>
    public double ImageScore { get; init; }

    public long AnomalousVoxels { get; init; }

    public double AnomalousAreaMm2 { get; init; }

    public double AnomalousVolumeMl { get; init; }

    /// <summary>
    /// False where the 1 mm pixel size is assumed, not measured: plain images (PNG, JPEG), and DICOM or NIfTI files without
    /// a usable spacing (<see cref="Volumes.VolumeProvenance.SpacingAssumed"/>).
    /// </summary>
    public bool SpacingKnown { get; init; }

    /// <summary>Stage durations in milliseconds (decode, preprocess, inference, outputs...).</summary>
    public IReadOnlyDictionary<string, double> TimingsMs { get; init; } = new Dictionary<string, double>();

    public IReadOnlyList<string> Notes { get; init; } = [];
}

/// <summary>The model and inference profile that produced the maps.</summary>
public sealed record ReportModel(string Name, string Version, string Profile);

/// <summary>The source grid the maps are written in.</summary>
public sealed record ReportGrid(int Width, int Height, int Depth, double SpacingXMm, double SpacingYMm, double SpacingZMm);

/// <summary>
/// One analysed slice: its score and the anomalous area on the source grid; <paramref name="SingleThreshold"/> is true
/// where the profile's per-pixel (normative) threshold did not apply because the slice's head did not line up with the
/// training slices', so the single θ made its map.
/// </summary>
public sealed record SliceFinding(int Index, double Score, double MaxMapValue, long AnomalousPixels, double AnomalousAreaMm2, bool SingleThreshold = false);
