using System.Text.RegularExpressions;

namespace Synomaly.Contracts;

/// <summary>Container names and deterministic blob paths shared by every component (and by the Bicep templates).</summary>
public static partial class BlobLayout
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

    /// <summary>
    /// The folder of one scan's results for one model version and one version of its upload:
    /// results/{scanId}/{modelVersion}/{sourceVersion}/. The upload's version is part of the path because results are
    /// written once: a scan uploaded again while its first version was being processed must not be answered with the
    /// first version's results.
    /// </summary>
    public static string ResultsPrefix(string scanId, string modelVersion, string sourceETag) =>
        $"{RequireSegment(scanId, nameof(scanId))}/{RequireSegment(modelVersion, nameof(modelVersion))}/{SourceVersionSegment(sourceETag)}/";

    public static string ResultsPrefix(ScanJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return ResultsPrefix(job.ScanId, job.ModelVersion, job.SourceETag);
    }

    public static string ResultPath(ScanJob job, string file) => ResultsPrefix(job) + file;

    public static string OverlayPath(ScanJob job, int slice) => ResultsPrefix(job) + OverlayFile(slice);

    /// <summary>The overlay of source slice <paramref name="slice"/>, relative to the results folder: overlays/{slice:D4}.png.</summary>
    public static string OverlayFile(int slice) => $"{OverlaysFolder}/{slice:D4}.png";

    /// <summary>
    /// The path segment of an upload's version: its ETag without quotes (Azure's and Azurite's are "0x" and hex digits),
    /// or, for an ETag with other characters, a hash of it, so that any ETag gives one safe segment.
    /// </summary>
    public static string SourceVersionSegment(string sourceETag)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceETag);
        var bare = sourceETag.Trim('"');
        if (bare.Length is > 0 and <= 64 && bare.All(char.IsAsciiLetterOrDigit))
        {
            return bare;
        }

        return "h" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(bare)))[..32];
    }

    /// <summary>The upload path of a scan: scans/{scanId}/{file}.</summary>
    public static string UploadPath(string scanId, string fileName) => $"{RequireSegment(scanId, nameof(scanId))}/{RequireSegment(fileName, nameof(fileName))}";

    /// <summary>
    /// Whether <paramref name="blobName"/> (in the scans container) is an upload of <paramref name="scanId"/>: a
    /// well-formed <see cref="UploadBlobName"/> of it, the only uploads intake queues. The worker reads no other upload for
    /// the scan, or a message naming another scan's file would have that file's maps filed as this scan's results.
    /// </summary>
    public static bool IsUploadOf(string scanId, string blobName) =>
        UploadBlobName.Parse(blobName) is { IsWellFormed: true } upload && string.Equals(upload.ScanId, scanId, StringComparison.Ordinal);

    /// <summary>
    /// The scan id of an archive blob (a reprocessing run's job): "a-" plus the first 128 bits of HMAC-SHA256 of its name
    /// under the deployment's <paramref name="key"/>, in hex. Deterministic for one key, so a restarted or repeated run
    /// finds the same job records; opaque, so archive names (which may hold patient data) never appear in ids or logs,
    /// and keyed, so that an id cannot be checked against a guessed name ("2019/SMITH_JOHN_19700101.dcm") by anyone who
    /// does not hold the key (an unkeyed hash could be, offline, name after name). The worker reads an archive blob only
    /// for the scan id it gives. A new key gives every archive file a new id (docs/DEPLOY.md, "Archive scan id key").
    /// </summary>
    public static string ArchiveScanId(string archiveBlobName, ArchiveScanIdKey key)
    {
        ArgumentNullException.ThrowIfNull(archiveBlobName);
        ArgumentNullException.ThrowIfNull(key);
        var hash = key.Sign(System.Text.Encoding.UTF8.GetBytes(archiveBlobName));
        return "a-" + Convert.ToHexStringLower(hash, 0, 16);
    }

    /// <summary>
    /// Whether <paramref name="scanId"/> has the form <see cref="ArchiveScanId"/> gives ("a-" and 32 lower-case hex digits).
    /// Upload ids are GUIDs, whose first group has 8 digits, so no upload id has it.
    /// </summary>
    public static bool IsArchiveScanId(string? scanId) =>
        scanId is { Length: 34 } && scanId.StartsWith("a-", StringComparison.Ordinal) && scanId.Skip(2).All(char.IsAsciiHexDigitLower);

    public static string ModelPrefix(string name, string version) => $"{RequireSegment(name, nameof(name))}/{RequireSegment(version, nameof(version))}/";

    /// <summary>The rule <see cref="IsValidScanId"/> checks, as error messages state it.</summary>
    public const string ScanIdRule = "letters, digits and '-' (at most 64)";

    /// <summary>Scan ids are opaque: letters, digits and '-' only, so they are safe in paths, table keys and logs.</summary>
    public static bool IsValidScanId(string? scanId) =>
        !string.IsNullOrEmpty(scanId) && scanId.Length <= 64 && scanId.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    /// <summary>The rule <see cref="IsValidModelVersion"/> checks, as error messages state it.</summary>
    public const string ModelVersionRule = "letters, digits, '-', '.' or '_' (at most 64, not '.' or '..')";

    /// <summary>
    /// <see cref="ModelVersionRule"/> as a pattern: the one statement of the rule, which <see cref="IsValidModelVersion"/>
    /// and options validation both use. (\z, not $: $ would also match before a trailing newline.)
    /// </summary>
    public const string ModelVersionPattern = @"^(?!\.{1,2}\z)[A-Za-z0-9._-]{1,64}\z";

    /// <summary>
    /// Model versions name a folder of results and models and are part of job table keys and message ids, so they are
    /// kept to characters that are safe in all three.
    /// </summary>
    public static bool IsValidModelVersion(string? modelVersion) => modelVersion is not null && ModelVersionRegex().IsMatch(modelVersion);

    [GeneratedRegex(ModelVersionPattern)]
    private static partial Regex ModelVersionRegex();

    /// <summary>
    /// Whether <paramref name="value"/> is one path segment every client keeps as it is: not blank, no separator ('\\'
    /// too: browsers and some clients turn it into '/'), and no dot segment, which URL building removes.
    /// </summary>
    internal static bool IsPathSegment(string? value) =>
        !string.IsNullOrWhiteSpace(value) && !value.Contains('/') && !value.Contains('\\') && value is not ("." or "..");

    private static string RequireSegment(string value, string name)
    {
        if (!IsPathSegment(value))
        {
            throw new ArgumentException($"'{name}' must be a single non-empty path segment.", name);
        }

        return value;
    }
}
