using Synomaly.Contracts;
using Synomaly.Imaging.Presets;
using Synomaly.Imaging.Reading;
using Synomaly.Imaging.Synthesis;

namespace Synomaly.Evaluation;

/// <summary>
/// The protocol of docs/EVALUATION.md in one place: the validation folder is split by subject into a tuning half and a
/// reporting half; lesions are inserted into each half with its own fixed seed, inside the organ of the model's modality
/// (<see cref="EvaluationSetBuilder"/>). Tuning code receives <see cref="TuningCases"/> only, and never a file of the
/// reporting half (tested).
/// </summary>
public sealed class EvaluationPlan : IEvaluationSource
{
    public const int TuningSeed = 1_000;
    public const int ReportingSeed = 500_000;

    private readonly IReadOnlyList<BinaryShape> realShapes;

    private EvaluationPlan(
        IReadOnlyList<string> tuningFiles, IReadOnlyList<string> reportingFiles, string? lesionMapPath, SliceGrid? shapeGrid, IReadOnlyList<BinaryShape> realShapes,
        int modelSize, int lesionsPerSlice, SliceOrientation orientation, ModalityHint trainedFor)
    {
        TuningFiles = tuningFiles;
        ReportingFiles = reportingFiles;
        LesionMapPath = lesionMapPath;
        ShapeGrid = shapeGrid;
        this.realShapes = realShapes;
        ModelSize = modelSize;
        LesionsPerSlice = lesionsPerSlice;
        Orientation = orientation;
        TrainedFor = trainedFor;
    }

    /// <summary>
    /// Splits <paramref name="validationFiles"/> by subject and cuts the real lesion shapes from <paramref name="lesionMapPath"/>.
    /// A factory rather than a constructor because the split hashes every file without a <c>sub-&lt;id&gt;</c> and the shapes
    /// read two scans: <paramref name="cancellationToken"/> stops either within the file in progress, so Ctrl-C is seen
    /// while a large folder is hashed.
    /// </summary>
    /// <param name="trainedFor">The modality the model card records (Auto: none, the preset follows each file's modality).</param>
    public static EvaluationPlan Create(
        IReadOnlyList<string> validationFiles, string? lesionMapPath, int modelSize, int lesionsPerSlice, SliceOrientation orientation = SliceOrientation.Display,
        ModalityHint trainedFor = ModalityHint.Auto, CancellationToken cancellationToken = default)
    {
        // The split hashes files without a sub-<id>: one that cannot be read is told by the option, as the reads below are.
        var (tuning, reporting) = InputReads.Guard(DataOption, () => SubjectSplit.Split(validationFiles, SubjectSplit.DefaultSeed, cancellationToken));
        if (lesionMapPath is null || tuning.Count == 0)
        {
            return new EvaluationPlan(tuning, reporting, lesionMapPath, shapeGrid: null, realShapes: [], modelSize, lesionsPerSlice, orientation, trainedFor);
        }

        var reading = new ScanReadOptions { CancellationToken = cancellationToken };
        var shapeGrid = SliceGrid.For(SetScanReader.Read(tuning[0], DataOption, reading));
        var realShapes = RealLesionShapes.FromLesionMap(SetScanReader.Read(lesionMapPath, "--lesion-map", reading), shapeGrid);
        return new EvaluationPlan(tuning, reporting, lesionMapPath, shapeGrid, realShapes, modelSize, lesionsPerSlice, orientation, trainedFor);
    }

    /// <summary>The option the validation folder is given with (tune, evaluate, verify-set), named when a file of it cannot be read.</summary>
    private const string DataOption = "--data";

    public int ModelSize { get; }

    /// <summary>How slices are laid out as model input: the model card's (an imported checkpoint's is the reference's).</summary>
    public SliceOrientation Orientation { get; }

    /// <summary>The modality whose preset prepares the slices and whose organ receives the lesions.</summary>
    public ModalityHint TrainedFor { get; }

    public int LesionsPerSlice { get; }

    /// <summary>The lesion map real shapes are cut from; null: procedural shapes only.</summary>
    public string? LesionMapPath { get; }

    /// <summary>
    /// The grid the lesion map is resampled onto (<see cref="SliceGrid.For"/>): sized and spaced as the first tuning slice,
    /// 1 mm for PNG slices, which record no spacing. Null without a lesion map.
    /// </summary>
    public SliceGrid? ShapeGrid { get; }

    public IReadOnlyList<string> TuningFiles { get; }

    public IReadOnlyList<string> ReportingFiles { get; }

    public int RealShapeCount => realShapes.Count;

    public IReadOnlyList<EvaluationCase> TuningCases(CancellationToken cancellationToken = default) => TuningCases(progress: null, cancellationToken);

    /// <summary>The tuning half's cases; <paramref name="progress"/> hears the count of its files done; <paramref name="cancellationToken"/> stops the build.</summary>
    public IReadOnlyList<EvaluationCase> TuningCases(IProgress<int>? progress, CancellationToken cancellationToken) =>
        new EvaluationSetBuilder(realShapes, ModelSize, LesionsPerSlice, TuningSeed, Orientation, TrainedFor, DataOption).Build(TuningFiles, progress, cancellationToken);

    /// <summary>Fingerprints of the tuning half's subjects, as <c>tune</c> records them in the profile it writes.</summary>
    public IReadOnlyList<string> TuningSubjects(CancellationToken cancellationToken) =>
        InputReads.Guard(DataOption, () => SubjectSplit.Fingerprints(TuningFiles, cancellationToken));

    /// <summary>
    /// How many reporting subjects a profile was tuned on (<paramref name="tuned"/>: its recorded fingerprints; null for
    /// profiles that predate them). The split is drawn from the folder given, so evaluating on another folder than the
    /// one tuned on (a subject added or removed) draws other halves, and this count says so.
    /// </summary>
    public int ReportingSubjectsTunedOn(IReadOnlyList<string>? tuned, CancellationToken cancellationToken = default) =>
        InputReads.Guard(DataOption, () => SubjectSplit.CountTunedOn(ReportingFiles, Files, tuned, cancellationToken));

    public IReadOnlyList<EvaluationCase> ReportingCases(CancellationToken cancellationToken = default) => ReportingCases(progress: null, cancellationToken);

    /// <summary>The reporting half's cases; <paramref name="progress"/> hears the count of its files done; <paramref name="cancellationToken"/> stops the build.</summary>
    public IReadOnlyList<EvaluationCase> ReportingCases(IProgress<int>? progress, CancellationToken cancellationToken) =>
        new EvaluationSetBuilder(realShapes, ModelSize, LesionsPerSlice, ReportingSeed, Orientation, TrainedFor, DataOption).Build(ReportingFiles, progress, cancellationToken);

    /// <summary>Both halves: the tuning half is tuned on, the reporting half reported on.</summary>
    public IReadOnlyList<string> Files => [.. TuningFiles, .. ReportingFiles];

    public string InputOf(string file) => DataOption;

    public string TuningTitle => "Tuning (tuning half only)";

    public string TunedOnRefusal(int overlap) =>
        $"{overlap} of the reporting half's subjects were in the tuning half this profile was chosen on: reporting on them would report on the tuning set. Evaluate with the same --data as tune.";

    public string ReportingTitle(IReadOnlyList<EvaluationCase> cases) =>
        $"Evaluation on the reporting half ({ReportingFiles.Count} healthy slices, {cases.Count(c => c.IsAnomalous)} with inserted lesions)";

    public string ManifestJson(bool tuning, IReadOnlyList<EvaluationCase> cases, CancellationToken cancellationToken) =>
        EvaluationSetManifest.Of(this, tuning ? "tuning" : "reporting", tuning ? TuningSeed : ReportingSeed, cases, cancellationToken).ToJson();
}
