namespace Synomaly.Contracts;

/// <summary>Container names and deterministic blob paths shared by every component (and by the Bicep templates).</summary>
public static class BlobLayout
{
    public const string ScansContainer = "scans";
    public const string ResultsContainer = "results";
    public const string ArchiveContainer = "archive";
    public const string ModelsContainer = "models";
    public const string JobsTable = "jobs";
    public const string ScanJobsQueue = "scan-jobs";

    public const string ReportFile = "report.json";
    public const string HeatmapFile = "heatmap.png";
    public const string AnomalyMapFile = "anomaly-map.nii.gz";
    public const string MaskFile = "mask.nii.gz";
    public const string CounterfactualFile = "counterfactual.nii.gz";
    public const string OverlaysFolder = "overlays";

    /// <summary>The folder of one scan's results for one model version: results/{scanId}/{modelVersion}/.</summary>
    public static string ResultsPrefix(string scanId, string modelVersion) =>
        $"{RequireSegment(scanId, nameof(scanId))}/{RequireSegment(modelVersion, nameof(modelVersion))}/";

    public static string ResultPath(string scanId, string modelVersion, string file) => ResultsPrefix(scanId, modelVersion) + file;

    public static string OverlayPath(string scanId, string modelVersion, int slice) =>
        ResultsPrefix(scanId, modelVersion) + $"{OverlaysFolder}/{slice:D4}.png";

    /// <summary>The upload path of a scan: scans/{scanId}/{file}.</summary>
    public static string UploadPath(string scanId, string fileName) => $"{RequireSegment(scanId, nameof(scanId))}/{RequireSegment(fileName, nameof(fileName))}";

    public static string ModelPrefix(string name, string version) => $"{RequireSegment(name, nameof(name))}/{RequireSegment(version, nameof(version))}/";

    /// <summary>Scan ids are opaque: letters, digits and '-' only, so they are safe in paths, table keys and logs.</summary>
    public static bool IsValidScanId(string? scanId) =>
        !string.IsNullOrEmpty(scanId) && scanId.Length <= 64 && scanId.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    private static string RequireSegment(string value, string name)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Contains('/') || value.Contains('\\') || value is "." or "..")
        {
            throw new ArgumentException($"'{name}' must be a single non-empty path segment.", name);
        }

        return value;
    }
}
