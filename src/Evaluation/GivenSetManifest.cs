using System.Text.Json;
using Synomaly.Imaging.Presets;

namespace Synomaly.Evaluation;

/// <summary>
/// The manifest of <see cref="GivenSets"/>: that the sets were used as given (no split, no synthesis), the model size and
/// slice layout, how bootstrap intervals group cases, every scan and mask by SHA-256 with the preset that prepared it and
/// the slices that became cases, and every case. The hashes tell whether the files at hand are those files.
/// </summary>
public static class GivenSetManifest
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    /// <summary>
    /// The manifest (JSON) of <paramref name="cases"/>, used as the <paramref name="role"/> set ("tuning" or "reporting");
    /// <paramref name="cancellationToken"/> stops the hashing of its scans and masks within 1 MiB of the file in progress.
    /// </summary>
    public static string Json(GivenSets sets, string role, IReadOnlyList<EvaluationCase> cases, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sets);
        ArgumentNullException.ThrowIfNull(cases);
        var files = sets.Built.Files;
        // Scans and masks by their path below their set's folder, as the builder names cases: file names alone repeat
        // across patients' folders (p1/IM0001.dcm, p2/IM0001.dcm) and could not be traced. A flat folder's are its file
        // names, as in every manifest written before. A scan is in one set only (GivenSets refuses one in both).
        var names = SetRelativePaths.Of(sets.HealthyFiles).Concat(SetRelativePaths.Of(sets.AnomalousFiles)).ToDictionary(StringComparer.Ordinal);
        var maskNames = SetRelativePaths.Of(sets.MaskFiles);
        var manifest = new
        {
            half = role,
            given = "used as given: no subject split, no synthetic lesions",
            modelSize = sets.ModelSize,
            sliceOrientation = SliceOrientationNames.Of(sets.Orientation),
            bootstrapGroups = sets.BootstrapGroups,
            // Listed now rather than while serialised, so that the files are hashed (and a cancellation seen) here.
            healthy = files.Where(f => f.Mask is null).Select(f => new { file = names[f.File], sha256 = EvaluationSetManifest.Sha256Of(f.File, cancellationToken), preset = f.Preset, slices = f.Slices }).ToList(),
            anomalous = files.Where(f => f.Mask is not null).Select(f => new
            {
                file = names[f.File],
                sha256 = EvaluationSetManifest.Sha256Of(f.File, cancellationToken),
                mask = maskNames[f.Mask!],
                maskSha256 = EvaluationSetManifest.Sha256Of(f.Mask!, cancellationToken),
                preset = f.Preset,
                slices = f.Slices,
                slicesWithoutLesion = f.SlicesWithoutLesion,
            }).ToList(),
            cases = cases.Select(c => new { c.Id, source = names[c.Source], truthSource = c.TruthSource is null ? null : maskNames[c.TruthSource], truthArea = c.TruthArea }),
        };
        return JsonSerializer.Serialize(manifest, JsonOptions);
    }
}
