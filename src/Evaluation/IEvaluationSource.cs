namespace Synomaly.Evaluation;

/// <summary>
/// Where <c>tune</c> and <c>evaluate</c> take their cases from: a validation folder split by subject into halves with
/// synthetic lesions (<see cref="EvaluationPlan"/>, <c>--data</c>), or sets given as they are, real masks included
/// (<see cref="GivenSets"/>, <c>--healthy</c>/<c>--anomalous</c>/<c>--masks</c>). Either way tune records the subjects it
/// tuned on in the profile, and evaluate refuses to report on any of them.
/// </summary>
public interface IEvaluationSource
{
    /// <summary>Every file the cases are read from (images and masks): healthy residual data may not be among them.</summary>
    IReadOnlyList<string> Files { get; }

    /// <summary>
    /// The option a file of <see cref="Files"/> was given to (--data; --healthy, --anomalous or --masks), named when it
    /// cannot be read by code that reads files of several inputs at once (<see cref="InputReads"/>).
    /// </summary>
    string InputOf(string file);

    /// <summary>The first line of the tuning table.</summary>
    string TuningTitle { get; }

    /// <summary>The cases tune searches on; <paramref name="cancellationToken"/> stops their building within the file in progress.</summary>
    IReadOnlyList<EvaluationCase> TuningCases(CancellationToken cancellationToken);

    /// <summary>
    /// Fingerprints of the subjects of <see cref="TuningCases"/>, as tune records them in the profile. Files are recognised
    /// by their bytes too, so this hashes them; <paramref name="cancellationToken"/> stops the hashing within 1 MiB of the
    /// file in progress.
    /// </summary>
    IReadOnlyList<string> TuningSubjects(CancellationToken cancellationToken);

    /// <summary>The cases evaluate reports on; <paramref name="cancellationToken"/> stops their building within the file in progress.</summary>
    IReadOnlyList<EvaluationCase> ReportingCases(CancellationToken cancellationToken);

    /// <summary>
    /// How many subjects of <see cref="ReportingCases"/> a profile was tuned on (<paramref name="tuned"/>: null for none
    /// recorded). Files are recognised by their bytes too, so this hashes them; <paramref name="cancellationToken"/> stops
    /// the hashing within 1 MiB of the file in progress.
    /// </summary>
    int ReportingSubjectsTunedOn(IReadOnlyList<string>? tuned, CancellationToken cancellationToken);

    /// <summary>Why evaluate refuses when <paramref name="overlap"/> reporting subjects were tuned on, and what to do instead.</summary>
    string TunedOnRefusal(int overlap);

    /// <summary>The title of the evaluation report on <paramref name="cases"/> (the reporting cases).</summary>
    string ReportingTitle(IReadOnlyList<EvaluationCase> cases);

    /// <summary>
    /// The manifest (JSON) of <paramref name="cases"/>, the <paramref name="tuning"/> or the reporting cases. Returned, not
    /// written, so that tune and evaluate can hash every file it names (<paramref name="cancellationToken"/> stops that
    /// within 1 MiB of the file in progress) before they write any result: a cancelled run writes none.
    /// </summary>
    string ManifestJson(bool tuning, IReadOnlyList<EvaluationCase> cases, CancellationToken cancellationToken);
}
