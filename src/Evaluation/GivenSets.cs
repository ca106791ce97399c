using Synomaly.Contracts;
using Synomaly.Imaging.Presets;

namespace Synomaly.Evaluation;

/// <summary>
/// Evaluation sets given as they are (<c>--healthy</c>, <c>--anomalous</c> with <c>--masks</c>): no subject split and no
/// synthetic lesions. Healthy scans give a healthy case per slice their preset selects; anomalous scans give an anomalous
/// case per selected slice whose mask marks a lesion there (<see cref="GivenSetBuilder"/>). For <c>tune</c> they are the
/// tuning set, for <c>evaluate</c> the reporting set: tune records their subjects in the profile, and evaluate refuses
/// to report on a subject the profile was tuned on. Bootstrap intervals resample whole subjects (the <c>sub-&lt;id&gt;</c> of a
/// file name) or, where a name has none, whole files (<see cref="BootstrapGroups"/>).
/// </summary>
public sealed class GivenSets : IEvaluationSource
{
    private readonly GivenSetBuilder builder;
    private readonly string? anomalousInput;
    private readonly HashSet<string> healthyListed;
    private readonly HashSet<string> masksListed;
    private GivenCases? built;

    private GivenSets(IReadOnlyList<string> healthy, IReadOnlyList<string> anomalous, IReadOnlyList<string> masks, string? anomalousInput, int modelSize, SliceOrientation orientation, ModalityHint trainedFor)
    {
        ModelSize = modelSize;
        Orientation = orientation;
        builder = new GivenSetBuilder(modelSize, orientation, trainedFor);
        this.anomalousInput = anomalousInput;
        HealthyFiles = healthy;
        healthyListed = healthy.ToHashSet(StringComparer.Ordinal);
        AnomalousFiles = anomalous;
        MaskFiles = masks;
        masksListed = masks.ToHashSet(StringComparer.Ordinal);
    }

    public int ModelSize { get; }

    /// <summary>How slices (and their masks) are laid out as model input: the model card's.</summary>
    public SliceOrientation Orientation { get; }

    public IReadOnlyList<string> HealthyFiles { get; }

    public IReadOnlyList<string> AnomalousFiles { get; }

    /// <summary>The mask of each of <see cref="AnomalousFiles"/>, in the same order.</summary>
    public IReadOnlyList<string> MaskFiles { get; }

    /// <summary>The cases and what each file contributed (built once, on first use).</summary>
    public GivenCases Built => Build(CancellationToken.None);

    /// <summary>
    /// Resolves the inputs as the user names them (a folder, a glob or a .txt/.list manifest each; masks paired by
    /// <see cref="TruthMaskFiles"/>). An input that names no file, a missing or ambiguous mask, a mask among the images and
    /// a file in both sets are <see cref="EvaluationSetException"/>s naming the file; nothing is read yet.
    /// </summary>
    public static GivenSets Resolve(string? healthy, string? anomalous, string? masks, int modelSize, SliceOrientation orientation, ModalityHint trainedFor) =>
        Resolve(healthy, anomalous, masks, modelSize, orientation, trainedFor, PathContainment.NameComparer);

    /// <summary>
    /// <see cref="Resolve(string?, string?, string?, int, SliceOrientation, ModalityHint)"/> with the path comparison given
    /// (tests ask a case-insensitive one on Linux).
    /// </summary>
    internal static GivenSets Resolve(string? healthy, string? anomalous, string? masks, int modelSize, SliceOrientation orientation, ModalityHint trainedFor, StringComparer pathNames)
    {
        if (healthy is null && anomalous is null)
        {
            throw new ArgumentException("Give --healthy <healthy scans>, --anomalous <anomalous scans> with --masks <their masks>, or both.");
        }

        if ((anomalous is null) != (masks is null))
        {
            throw new ArgumentException("--anomalous and --masks go together: every anomalous scan needs its mask, and masks need their scans.");
        }

        var healthyFiles = healthy is null ? [] : NonEmpty(healthy, EvaluationSetProblem.EmptySet, "--healthy");
        var anomalousFiles = anomalous is null ? [] : NonEmpty(anomalous, EvaluationSetProblem.EmptyAnomalousSet, "--anomalous");
        var maskFiles = masks is null ? [] : TruthMaskFiles.Pair(anomalousFiles, masks, pathNames);
        // Compared as the file system compares names (PathContainment): on Windows and macOS Scans/a.png and scans/a.png are one file.
        var healthyPaths = healthyFiles.Select(Path.GetFullPath).ToHashSet(pathNames);
        // Told by position, never by path: folder and file names can carry patient names.
        int both = anomalousFiles.ToList().FindIndex(f => healthyPaths.Contains(Path.GetFullPath(f)));
        if (both >= 0)
        {
            throw new EvaluationSetException(
                EvaluationSetProblem.InBothSets, anomalousFiles[both], $"{InputPosition.Of(both, anomalousFiles.Count, "--anomalous")} is also in --healthy: a scan is one or the other.");
        }

        int mask = maskFiles.ToList().FindIndex(f => healthyPaths.Contains(Path.GetFullPath(f)));
        if (mask >= 0)
        {
            throw new EvaluationSetException(
                EvaluationSetProblem.MaskAmongImages, maskFiles[mask], $"The mask of {InputPosition.Of(mask, anomalousFiles.Count, "--anomalous")} is also in --healthy: keep masks out of the healthy set.");
        }

        return new GivenSets(healthyFiles, anomalousFiles, maskFiles, anomalous, modelSize, orientation, trainedFor);
    }

    /// <summary>
    /// How bootstrap intervals group cases: slices of one subject (or of one file) are not independent, so they are
    /// resampled together; a subject is the <c>sub-&lt;id&gt;</c> in a file name, else the file (named by its path below the
    /// set's common folder, so that p1/T1.nii.gz and p2/T1.nii.gz are two subjects).
    /// </summary>
    public string BootstrapGroups
    {
        get
        {
            var sources = Subjects.ToList();
            int named = sources.Count(SubjectSplit.NamesSubject);
            return named == sources.Count ? "subjects (the sub-<id> in each file name)"
                : named == 0 ? "files (no file name carries a sub-<id>)"
                : "subjects where a file name carries a sub-<id>, else files";
        }
    }

    public IReadOnlyList<string> Files => [.. HealthyFiles, .. AnomalousFiles, .. MaskFiles];

    /// <summary>The option a file of <see cref="Files"/> was given to, by the file as listed (a file in two sets is refused by <see cref="Resolve(string?, string?, string?, int, SliceOrientation, ModalityHint)"/>).</summary>
    public string InputOf(string file) => healthyListed.Contains(file) ? "--healthy" : masksListed.Contains(file) ? "--masks" : "--anomalous";

    public string TuningTitle => "Tuning (given tuning set only)";

    public IReadOnlyList<EvaluationCase> TuningCases(CancellationToken cancellationToken = default) => Build(cancellationToken).Cases;

    public IReadOnlyList<string> TuningSubjects(CancellationToken cancellationToken) =>
        SubjectSplit.Fingerprints(Subjects, PathContainment.NameComparer, InputOf, cancellationToken);

    public IReadOnlyList<EvaluationCase> ReportingCases(CancellationToken cancellationToken = default) => Build(cancellationToken).Cases;

    public int ReportingSubjectsTunedOn(IReadOnlyList<string>? tuned, CancellationToken cancellationToken = default) =>
        SubjectSplit.CountTunedOn(Subjects, Subjects, tuned, PathContainment.NameComparer, InputOf, cancellationToken);

    public string TunedOnRefusal(int overlap) =>
        $"{overlap} subjects of the given sets were in the set this profile was tuned on: reporting on them would report on the tuning set. "
        + "Evaluate on subjects the profile was not tuned on (a subject is the sub-<id> in a file name, else the file itself, recognised by its content wherever it lies).";

    public string ReportingTitle(IReadOnlyList<EvaluationCase> cases)
    {
        ArgumentNullException.ThrowIfNull(cases);
        return $"Evaluation on the given sets ({cases.Count(c => !c.IsAnomalous)} healthy slices from {HealthyFiles.Count} files, "
            + $"{cases.Count(c => c.IsAnomalous)} anomalous slices from {AnomalousFiles.Count} files with their masks; no split, no synthetic lesions; "
            + $"bootstrap intervals resample whole {BootstrapGroups})";
    }

    public string ManifestJson(bool tuning, IReadOnlyList<EvaluationCase> cases, CancellationToken cancellationToken) =>
        GivenSetManifest.Json(this, tuning ? "tuning" : "reporting", cases, cancellationToken);

    /// <summary>
    /// The cases, built on first use and kept; a cancelled <paramref name="cancellationToken"/> stops the build before the
    /// next file (<see cref="GivenSetBuilder.Build"/>), keeping nothing.
    /// </summary>
    private GivenCases Build(CancellationToken cancellationToken)
    {
        if (built is null)
        {
            var result = builder.Build(HealthyFiles, AnomalousFiles, MaskFiles, cancellationToken);
            built = anomalousInput is not null && !result.Cases.Any(c => c.IsAnomalous)
                ? throw new EvaluationSetException(
                    EvaluationSetProblem.EmptyAnomalousSet, anomalousInput, "No slice of --anomalous that the preset selects has a lesion in its mask: the anomalous set is empty.")
                : result;
        }

        return built;
    }

    /// <summary>The files whose subjects the cases belong to (images, not masks).</summary>
    private IEnumerable<string> Subjects => HealthyFiles.Concat(AnomalousFiles);

    private static IReadOnlyList<string> NonEmpty(string input, EvaluationSetProblem problem, string option)
    {
        var files = InputFiles.Resolve(input, option);
        // Named by the option, never by the path (kept in EvaluationSetException.File): folder names can carry patient names.
        return files.Count > 0 ? files : throw new EvaluationSetException(problem, input, $"{option} names no file (an empty folder, a pattern that matches nothing or an empty manifest).");
    }
}
