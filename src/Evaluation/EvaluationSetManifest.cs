using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Synomaly.Imaging.Synthesis;

namespace Synomaly.Evaluation;

/// <summary>
/// The manifest of an evaluation set: what it was built from (the subject split and its seed, the preset size, the
/// synthesizer's options, the lesion map and the grid its shapes were resampled onto, every source file by SHA-256) and
/// every case's seed and drawn parameters. The same inputs rebuild the same cases (<see cref="EvaluationPlan"/>), and the
/// hashes tell whether the inputs at hand are those inputs.
/// </summary>
public static class EvaluationSetManifest
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new JsonStringEnumConverter() } };

    /// <summary>Writes the manifest of <paramref name="half"/> ("tuning" or "reporting") of <paramref name="plan"/>.</summary>
    public static void Write(string path, EvaluationPlan plan, string half, int baseSeed, IReadOnlyList<EvaluationCase> cases)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(cases);
        var manifest = new
        {
            half,
            splitSeed = SubjectSplit.DefaultSeed,
            modelSize = plan.ModelSize,
            lesionsPerSlice = plan.LesionsPerSlice,
            baseSeed,
            synthesis = EvaluationSetBuilder.Synthesis,
            lesionMap = plan.LesionMapPath is { } map
                ? new { file = Path.GetFileName(map), sha256 = Sha256Of(map), grid = plan.ShapeGrid }
                : null,
            sources = cases.Select(c => c.Source).Distinct().Select(file => new { file = Path.GetFileName(file), sha256 = Sha256Of(file) }),
            cases = cases.Select(c => new { c.Id, source = Path.GetFileName(c.Source), truthArea = c.TruthArea, lesion = c.Lesion }),
        };
        File.WriteAllText(path, JsonSerializer.Serialize(manifest, Json));
    }

    internal static string Sha256Of(string file)
    {
        using var stream = File.OpenRead(file);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
