using System.Text.Json;

namespace Synomaly.Evaluation;

/// <summary>
/// Checks that an evaluation set is rebuilt exactly: rebuilds the half a manifest describes from the validation folder and
/// lesion map at hand, with the manifest's modality, model size, lesions per slice and slice orientation, writes the manifest the
/// rebuilt set would have, and lists every way the two differ (settings, lesion map, source files, cases missing, extra or
/// changed). A manifest written before the case hashes were recorded is checked on what it has: case ids, sources, truth
/// areas and lesion parameters, and every file by hash.
/// </summary>
public sealed class EvaluationSetVerification
{
    private readonly EvaluationSetManifest recorded;

    /// <param name="recorded">The manifest (reporting-set.json or tuning-set.json).</param>
    /// <param name="validationFiles">The whole validation folder given to tune and evaluate: the halves are split from it.</param>
    /// <param name="lesionMapPath">The lesion map, when the manifest names one.</param>
    /// <param name="cancellationToken">Stops the split, which hashes the files without a <c>sub-&lt;id&gt;</c> (<see cref="EvaluationPlan.Create"/>).</param>
    public EvaluationSetVerification(EvaluationSetManifest recorded, IReadOnlyList<string> validationFiles, string? lesionMapPath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        this.recorded = recorded;
        if (recorded.Half is not ("tuning" or "reporting"))
        {
            throw new InvalidDataException($"The manifest's half is '{recorded.Half}'; a manifest describes the 'tuning' or the 'reporting' half.");
        }

        if (recorded.LesionMap is { } map && lesionMapPath is null)
        {
            throw new ArgumentException($"The set was built with real lesion shapes from {map.File}: give that lesion map with --lesion-map.");
        }

        if (recorded.LesionMap is null && lesionMapPath is not null)
        {
            throw new ArgumentException("The set was built without a lesion map (procedural shapes only): leave out --lesion-map.");
        }

        Plan = EvaluationPlan.Create(validationFiles, lesionMapPath, recorded.ModelSize, recorded.LesionsPerSlice, recorded.SliceOrientation, recorded.TrainedFor, cancellationToken);
    }

    /// <summary>The split and shapes the set is rebuilt from.</summary>
    public EvaluationPlan Plan { get; }

    private bool IsTuning => recorded.Half == "tuning";

    /// <summary>How many source files the rebuild reads (the progress counts these).</summary>
    public int FileCount => (IsTuning ? Plan.TuningFiles : Plan.ReportingFiles).Count;

    /// <summary>Whether the manifest holds each case's input and truth hashes (manifests before them do not).</summary>
    public bool HasCaseHashes => recorded.Cases.Any(c => c.InputSha256 is not null);

    /// <summary>Rebuilds the set and lists every difference from the manifest; empty when it was rebuilt exactly.</summary>
    /// <param name="progress">Hears the count of source files rebuilt.</param>
    /// <param name="cancellationToken">Stops the rebuild within the file in progress (<see cref="EvaluationSetBuilder.Build"/>).</param>
    public IReadOnlyList<SetDifference> Run(IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        var cases = IsTuning ? Plan.TuningCases(progress, cancellationToken) : Plan.ReportingCases(progress, cancellationToken);
        var rebuilt = EvaluationSetManifest.Of(Plan, recorded.Half, IsTuning ? EvaluationPlan.TuningSeed : EvaluationPlan.ReportingSeed, cases, cancellationToken);
        return Compare(recorded, rebuilt);
    }

    /// <summary>Every difference between a recorded manifest and a rebuilt set's, settings first, then files, then cases.</summary>
    public static IReadOnlyList<SetDifference> Compare(EvaluationSetManifest recorded, EvaluationSetManifest rebuilt)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        ArgumentNullException.ThrowIfNull(rebuilt);
        var differences = new List<SetDifference>();
        void Setting(string name, object was, object now)
        {
            if (!Equals(was, now))
            {
                differences.Add(new SetDifference("settings", $"{name} is {now} in this version, {was} in the manifest"));
            }
        }

        Setting("the split seed", recorded.SplitSeed, rebuilt.SplitSeed);
        Setting("the lesion seed of the half", recorded.BaseSeed, rebuilt.BaseSeed);
        Setting("the synthesizer's options", JsonSerializer.Serialize(recorded.Synthesis), JsonSerializer.Serialize(rebuilt.Synthesis));
        if (recorded.LesionMap is { } was && rebuilt.LesionMap is { } now)
        {
            if (was.Sha256 != now.Sha256)
            {
                differences.Add(new SetDifference($"lesion map {now.File}", $"SHA-256 {now.Sha256}, the manifest's {was.File} has {was.Sha256}"));
            }

            if (was.Grid != now.Grid)
            {
                differences.Add(new SetDifference($"lesion map {now.File}", $"resampled onto {now.Grid}, the manifest's onto {was.Grid}"));
            }
        }

        Keyed(differences, "source", recorded.Sources, rebuilt.Sources, s => s.File, (was, now) =>
            was.Sha256 == now.Sha256 ? [] : [$"SHA-256 {now.Sha256}, the manifest's {was.Sha256}"]);
        Keyed(differences, "case", recorded.Cases, rebuilt.Cases, c => c.Id, CaseDifferences);
        return differences;
    }

    private static IEnumerable<string> CaseDifferences(ManifestCase was, ManifestCase now)
    {
        if (was.Source != now.Source)
        {
            yield return $"made from {now.Source}, in the manifest from {was.Source}";
        }

        if (was.Lesion != now.Lesion)
        {
            yield return "other lesion parameters than the manifest's";
        }

        if (was.TruthArea != now.TruthArea)
        {
            yield return $"truth area {now.TruthArea} px, the manifest's {was.TruthArea} px";
        }

        if (was.InputSha256 is not null && was.InputSha256 != now.InputSha256)
        {
            yield return "model input differs (SHA-256)";
        }

        if (was.TruthSha256 is not null && was.TruthSha256 != now.TruthSha256)
        {
            yield return "truth mask differs (SHA-256)";
        }
    }

    /// <summary>Items matched by key: each one only in the manifest, only in the rebuilt set, or in both but different.</summary>
    private static void Keyed<T>(List<SetDifference> differences, string kind, IReadOnlyList<T> recorded, IReadOnlyList<T> rebuilt, Func<T, string> key, Func<T, T, IEnumerable<string>> compare)
    {
        // Source names and case ids are paths below the set's folder, so unique in a set; a duplicate (a manifest written
        // when they were bare file names, from patients' folders that repeat one) is compared by its first entry.
        var rebuiltByKey = rebuilt.GroupBy(key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var recordedKeys = recorded.Select(key).ToHashSet(StringComparer.Ordinal);
        foreach (var item in recorded)
        {
            string name = $"{kind} {key(item)}";
            if (!rebuiltByKey.TryGetValue(key(item), out var now))
            {
                differences.Add(new SetDifference(name, "in the manifest, missing from the rebuilt set", MissingOrExtra: true));
                continue;
            }

            differences.AddRange(compare(item, now).Select(d => new SetDifference(name, d)));
        }

        differences.AddRange(rebuilt.Where(r => !recordedKeys.Contains(key(r))).Select(r => new SetDifference($"{kind} {key(r)}", "in the rebuilt set, not in the manifest", MissingOrExtra: true)));
    }
}

/// <summary>
/// One way a rebuilt evaluation set differs from its manifest: what (a case, a source, the lesion map, the settings) and
/// how; <paramref name="MissingOrExtra"/>: the item is in only one of the two.
/// </summary>
public sealed record SetDifference(string Item, string Difference, bool MissingOrExtra = false);
