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
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>Writes the manifest of <paramref name="cases"/>, used as the <paramref name="role"/> set ("tuning" or "reporting").</summary>
    public static void Write(string path, GivenSets sets, string role, IReadOnlyList<EvaluationCase> cases)
    {
        ArgumentNullException.ThrowIfNull(sets);
        ArgumentNullException.ThrowIfNull(cases);
        var files = sets.Built.Files;
        var manifest = new
        {
            half = role,
            given = "used as given: no subject split, no synthetic lesions",
            modelSize = sets.ModelSize,
            sliceOrientation = SliceOrientationNames.Of(sets.Orientation),
            bootstrapGroups = sets.BootstrapGroups,
            healthy = files.Where(f => f.Mask is null).Select(f => new { file = Path.GetFileName(f.File), sha256 = EvaluationSetManifest.Sha256Of(f.File), preset = f.Preset, slices = f.Slices }),
            anomalous = files.Where(f => f.Mask is not null).Select(f => new
            {
                file = Path.GetFileName(f.File),
                sha256 = EvaluationSetManifest.Sha256Of(f.File),
                mask = Path.GetFileName(f.Mask),
                maskSha256 = EvaluationSetManifest.Sha256Of(f.Mask!),
                preset = f.Preset,
                slices = f.Slices,
                slicesWithoutLesion = f.SlicesWithoutLesion,
            }),
            cases = cases.Select(c => new { c.Id, source = Path.GetFileName(c.Source), truthSource = c.TruthSource is null ? null : Path.GetFileName(c.TruthSource), truthArea = c.TruthArea }),
        };
        File.WriteAllText(path, JsonSerializer.Serialize(manifest, Json));
    }
}
