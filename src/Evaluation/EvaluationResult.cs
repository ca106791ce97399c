using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Metrics;
using Synomaly.Imaging.Synthesis;

namespace Synomaly.Evaluation;

/// <summary>
/// The metrics of one configuration on one set. Overlap metrics (Dice, IoU, precision, recall, HD95) are per anomalous
/// case and averaged (HD95 over the cases with a prediction; <see cref="CasesWithoutPrediction"/> says how many had
/// none); pixel AUROC/AUPRC/AP pool the continuous residual |blur(x0) − blur(x̂)| of every case, healthy ones included, so
/// they do not depend on θ or the component filter; image AUROC/AUPRC rank the image score (anomalous pixel count) of
/// anomalous against healthy cases; false positives are counted on healthy cases. Every 95% interval is a percentile
/// bootstrap that resamples subjects (<see cref="Bootstrap.GroupInterval"/>, the same seeded draws for every metric): a
/// subject's healthy slice and its lesion copies are not independent cases. Intervals default to (NaN, NaN), so a
/// result made without them reads as "not measured".
/// </summary>
public sealed record EvaluationResult
{
    public required string Name { get; init; }

    public required string Settings { get; init; }

    public required InferenceOptions Options { get; init; }

    public required int AnomalousCases { get; init; }

    public required int HealthyCases { get; init; }

    public required double Dice { get; init; }

    public required (double Low, double High) DiceInterval { get; init; }

    public required double IoU { get; init; }

    public (double Low, double High) IoUInterval { get; init; } = NotMeasured;

    public required double Precision { get; init; }

    public (double Low, double High) PrecisionInterval { get; init; } = NotMeasured;

    public required double Recall { get; init; }

    public (double Low, double High) RecallInterval { get; init; } = NotMeasured;

    /// <summary>Mean HD95 over the anomalous cases with a prediction (an empty prediction has no boundary distance).</summary>
    public required double Hausdorff95 { get; init; }

    /// <summary>Anomalous cases whose mask is empty: missed outright, and left out of <see cref="Hausdorff95"/>.</summary>
    public required int CasesWithoutPrediction { get; init; }

    /// <summary>The interval of <see cref="Hausdorff95"/>, averaged as it is (cases without a prediction left out).</summary>
    public (double Low, double High) Hausdorff95Interval { get; init; } = NotMeasured;

    public required double PixelAuroc { get; init; }

    public (double Low, double High) PixelAurocInterval { get; init; } = NotMeasured;

    public required double PixelAuprc { get; init; }

    public (double Low, double High) PixelAuprcInterval { get; init; } = NotMeasured;

    /// <summary>Pixel-level average precision (step-wise, scikit-learn's average_precision_score), the headline pixel ranking metric.</summary>
    public required double PixelAveragePrecision { get; init; }

    public (double Low, double High) PixelAveragePrecisionInterval { get; init; } = NotMeasured;

    /// <summary>
    /// Resamples left out of the pixel AP, AUROC and AUPRC intervals because they drew no lesion pixel (subjects with
    /// healthy cases only), which has nothing to rank; as <see cref="ImageRankingResamplesLeftOut"/>, 0 where every subject
    /// has a lesion case, null where no resample was drawn. Counted on the AUROC, which a resample of lesion pixels alone
    /// would leave out too; a slice with any pixel outside its lesion has none.
    /// </summary>
    public int? PixelRankingResamplesLeftOut { get; init; }

    public required double ReferencePerImageAuprc { get; init; }

    /// <summary>Which cases the image ranking (AUROC, AUPRC, AP) counts as anomalous images (<see cref="ImageLabelRule"/>).</summary>
    public ImageLabelRule ImageLabel { get; init; } = ImageLabelRule.Reference;

    /// <summary>
    /// Lesion cases that <see cref="ImageLabel"/> counts as healthy images (one truth pixel under the reference's rule):
    /// ranked with the healthy slices for the image metrics, still lesion cases for Dice and the other overlap metrics.
    /// </summary>
    public int LesionCasesLabelledHealthy { get; init; }

    public required double ImageAuroc { get; init; }

    public required (double Low, double High) ImageAurocInterval { get; init; }

    /// <summary>
    /// Resamples left out of the image AUROC, AUPRC and AP intervals (the same draws for the three) because they drew one
    /// class only, healthy or anomalous images alone, which have nothing to rank; the intervals are the percentiles of
    /// the other resamples. 0 where every subject has both (a healthy slice and its lesion copies). Null where no resample
    /// was drawn: a set of one subject, or of one image class only (nothing to rank, as the pixel ranking of a set without
    /// both pixel classes), and a result made without intervals.
    /// </summary>
    public int? ImageRankingResamplesLeftOut { get; init; }

    /// <summary>The reference's image AUPRC (ALGORITHM.md 5.2): the trapezoid under the precision-recall curve.</summary>
    public required double ImageAuprc { get; init; }

    public (double Low, double High) ImageAuprcInterval { get; init; } = NotMeasured;

    /// <summary>
    /// Image-level average precision (step-wise, as <see cref="PixelAveragePrecision"/>). Where many healthy and anomalous
    /// cases tie at score 0 the trapezoid of <see cref="ImageAuprc"/> draws a straight line across the tie and comes out
    /// higher; the step-wise sum does not. NaN in results made before it was reported.
    /// </summary>
    public double ImageAveragePrecision { get; init; } = double.NaN;

    public (double Low, double High) ImageAveragePrecisionInterval { get; init; } = NotMeasured;

    public required double FalsePositivePixelsPerHealthySlice { get; init; }

    public (double Low, double High) FalsePositivePixelsInterval { get; init; } = NotMeasured;

    /// <summary>Mean false-positive rate of the anomalous cases: predicted pixels outside the lesion over the pixels outside it.</summary>
    public double FalsePositiveRate { get; init; }

    /// <summary>The reference's row-profile "HD95" (ALGORITHM.md 5.1), mean over the anomalous cases, to compare with its numbers.</summary>
    public double ReferenceHausdorff95 { get; init; }

    public required double HealthySsim { get; init; }

    /// <summary>Mean SSIM of input and counterfactual on the anomalous cases (the lesion is meant to differ).</summary>
    public double AnomalousSsim { get; init; }

    public required double MeanStages { get; init; }

    /// <summary>Cases where the normative threshold's head gate kept the single θ (0 without a gated normative threshold).</summary>
    public int NormativeFallbacks { get; init; }

    /// <summary>Mean Dice per lesion-size bin (model-grid pixels): name, cases, mean Dice.</summary>
    public required IReadOnlyList<(string Bin, int Cases, double Dice)> DiceBySize { get; init; }

    /// <summary>
    /// Mean Dice per intensity model of the inserted lesion (hypointense, hyperintense, textured): which kinds of lesion
    /// the model finds and which it misses. Every model has a row; one without cases has n = 0 and an undefined mean.
    /// Empty for lesions given with their scans (real masks), which have no intensity model.
    /// </summary>
    public required IReadOnlyList<(string Bin, int Cases, double Dice)> DiceByIntensity { get; init; }

    public IReadOnlyList<CaseOutcome> Outcomes { get; init; } = [];

    private static readonly (double Low, double High) NotMeasured = (double.NaN, double.NaN);

    /// <summary>Three ranking intervals where none was drawn: not measured, and nothing left out.</summary>
    private static readonly (double Low, double High, int? LeftOut)[] NotResampled = [(double.NaN, double.NaN, null), (double.NaN, double.NaN, null), (double.NaN, double.NaN, null)];

    public static readonly (string Name, int Min, int Max)[] SizeBins = [("small (<20 px)", 0, 20), ("medium (20-60 px)", 20, 60), ("large (>=60 px)", 60, int.MaxValue)];

    /// <summary>
    /// The metrics of <paramref name="outcomes"/>; <paramref name="inForeground"/> says their maps and scores were restricted
    /// to the preset's foreground (<see cref="MapRegion.Foreground"/>), which the settings then name; <paramref name="imageLabel"/>
    /// says which cases the image ranking counts as anomalous (the reference's rule unless told otherwise).
    /// </summary>
    public static EvaluationResult From(string name, InferenceOptions options, IReadOnlyList<CaseOutcome> outcomes, bool inForeground = false, ImageLabelRule imageLabel = ImageLabelRule.Reference)
    {
        var anomalous = outcomes.Where(o => o.Case.IsAnomalous).ToList();
        var healthy = outcomes.Where(o => !o.Case.IsAnomalous).ToList();
        var dice = anomalous.Select(o => o.Metrics.Dice).ToList();

        var pooledScores = outcomes.SelectMany(o => o.Residual).ToArray();
        var pooledLabels = outcomes.SelectMany(o => o.Case.Truth).ToArray();
        bool ranked = pooledLabels.Contains(true) && pooledLabels.Contains(false);
        var imageScores = outcomes.Select(o => (float)o.Score).ToArray();
        var imageLabels = ImageLabelsOf(outcomes, imageLabel);
        bool imageRanked = imageLabels.Contains(true) && imageLabels.Contains(false);
        int fallbacks = outcomes.Count(o => o.NormativeFallback);
        // The set's files are the cases' sources: a file without a sub-<id> is its own subject, named by its path in the set.
        var subjects = SubjectSplit.SubjectsOf(outcomes.Select(o => o.Case.Source));
        string SubjectOf(CaseOutcome outcome) => subjects[outcome.Case.Source];
        string[] anomalousSubjects = [.. anomalous.Select(SubjectOf)];
        string[] everySubject = [.. outcomes.Select(SubjectOf)];
        var pixelIntervals = ranked ? PixelRankingIntervals(outcomes, everySubject) : NotResampled;
        var hausdorff = anomalous.Select(o => o.Metrics.Hausdorff95).ToArray();
        // One image class in the whole set: nothing to rank in any resample, so none is drawn (as for the pixel ranking).
        var imageIntervals = imageRanked ? ImageRankingIntervals(imageScores, imageLabels, everySubject) : NotResampled;

        return new EvaluationResult
        {
            Name = name,
            // A gated case is thresholded differently from the rest, so the settings say how many there were.
            Settings = options.Describe() + (fallbacks == 0 ? "" : $", single θ on {fallbacks} of {outcomes.Count} cases (head gate)")
                + (inForeground ? ", maps in the preset's foreground" : ""),
            Options = options,
            AnomalousCases = anomalous.Count,
            HealthyCases = healthy.Count,
            Dice = Mean(dice),
            // Resampled by subject: a subject's healthy slice and its lesion copies are not independent cases.
            DiceInterval = Bootstrap.GroupInterval(anomalousSubjects, idx => idx.Average(i => dice[i])),
            IoU = Mean(anomalous.Select(o => o.Metrics.IoU)),
            IoUInterval = MeanInterval(anomalousSubjects, [.. anomalous.Select(o => o.Metrics.IoU)]),
            Precision = Mean(anomalous.Select(o => o.Metrics.Precision)),
            PrecisionInterval = MeanInterval(anomalousSubjects, [.. anomalous.Select(o => o.Metrics.Precision)]),
            Recall = Mean(anomalous.Select(o => o.Metrics.Recall)),
            RecallInterval = MeanInterval(anomalousSubjects, [.. anomalous.Select(o => o.Metrics.Recall)]),
            Hausdorff95 = Mean(hausdorff),
            Hausdorff95Interval = MeanInterval(anomalousSubjects, hausdorff),
            CasesWithoutPrediction = anomalous.Count(o => o.Score == 0),
            PixelAuroc = ranked ? RankingMetrics.RocAuc(pooledScores, pooledLabels) : double.NaN,
            PixelAurocInterval = (pixelIntervals[0].Low, pixelIntervals[0].High),
            PixelRankingResamplesLeftOut = pixelIntervals[0].LeftOut,
            PixelAuprc = ranked ? RankingMetrics.PrecisionRecallAuc(pooledScores, pooledLabels) : double.NaN,
            PixelAuprcInterval = (pixelIntervals[2].Low, pixelIntervals[2].High),
            PixelAveragePrecision = ranked ? RankingMetrics.AveragePrecision(pooledScores, pooledLabels) : double.NaN,
            PixelAveragePrecisionInterval = (pixelIntervals[1].Low, pixelIntervals[1].High),
            ReferencePerImageAuprc = Mean(anomalous.Select(o => o.Metrics.ReferenceAuprc)),
            ImageLabel = imageLabel,
            LesionCasesLabelledHealthy = anomalous.Count(o => !imageLabel.IsAnomalousImage(o.Case)),
            ImageAuroc = RankingMetrics.RocAuc(imageScores, imageLabels),
            ImageAurocInterval = (imageIntervals[0].Low, imageIntervals[0].High),
            // The same count for the three: a resample has all of them or, drawing one class only, none.
            ImageRankingResamplesLeftOut = imageIntervals[0].LeftOut,
            ImageAuprc = RankingMetrics.PrecisionRecallAuc(imageScores, imageLabels),
            ImageAuprcInterval = (imageIntervals[1].Low, imageIntervals[1].High),
            ImageAveragePrecision = RankingMetrics.AveragePrecision(imageScores, imageLabels),
            ImageAveragePrecisionInterval = (imageIntervals[2].Low, imageIntervals[2].High),
            FalsePositivePixelsPerHealthySlice = Mean(healthy.Select(o => (double)o.Score)),
            FalsePositivePixelsInterval = MeanInterval([.. healthy.Select(SubjectOf)], [.. healthy.Select(o => (double)o.Score)]),
            FalsePositiveRate = Mean(anomalous.Select(o => o.Metrics.FalsePositiveRate)),
            ReferenceHausdorff95 = Mean(anomalous.Select(o => o.Metrics.ReferenceHausdorff95)),
            HealthySsim = Mean(healthy.Select(o => o.Metrics.Ssim)),
            AnomalousSsim = Mean(anomalous.Select(o => o.Metrics.Ssim)),
            MeanStages = Mean(outcomes.Select(o => (double)o.StagesRun)),
            NormativeFallbacks = fallbacks,
            DiceBySize = [.. SizeBins.Select(b => DiceOf(b.Name, anomalous.Where(o => o.Case.TruthArea >= b.Min && o.Case.TruthArea < b.Max)))],
            // Lesions given with their scans have no intensity model: no such table for them.
            DiceByIntensity = anomalous.Any(o => o.Case.Lesion is null) ? [] : [.. Enum.GetValues<IntensityModel>().Select(m => DiceOf(IntensityName(m), anomalous.Where(o => o.Case.Lesion!.Model == m)))],
            Outcomes = outcomes,
        };
    }

    /// <summary>Each case's image label under <paramref name="rule"/>, as the image metrics and curves rank them.</summary>
    public static bool[] ImageLabelsOf(IEnumerable<CaseOutcome> outcomes, ImageLabelRule rule) => [.. outcomes.Select(o => rule.IsAnomalousImage(o.Case))];

    /// <summary>The lower-case name used in tables and JSON ("hypointense", ...).</summary>
    public static string IntensityName(IntensityModel model) => model.ToString().ToLowerInvariant();

    private static (string Bin, int Cases, double Dice) DiceOf(string bin, IEnumerable<CaseOutcome> cases)
    {
        var inBin = cases.ToList();
        return (bin, inBin.Count, Mean(inBin.Select(o => o.Metrics.Dice)));
    }

    /// <summary>
    /// Pixel AUROC's, AP's and AUPRC's intervals (in that order) with their left-out counts, from one pass over each
    /// resample's pooled pixels.
    /// </summary>
    private static IReadOnlyList<(double Low, double High, int? LeftOut)> PixelRankingIntervals(IReadOnlyList<CaseOutcome> outcomes, string[] subjects)
    {
        var ranking = new PooledPixelRanking([.. outcomes.Select(o => o.Residual)], [.. outcomes.Select(o => o.Case.Truth)]);
        return Bootstrap.GroupIntervalsCounted(subjects, 3, idx =>
        {
            var (auroc, averagePrecision, auprc) = ranking.Score(idx);
            return [auroc, averagePrecision, auprc];
        });
    }

    /// <summary>
    /// Image AUROC's, AUPRC's and AP's intervals (in that order) with their left-out counts, from one pass over the draws
    /// that gathers each resample's scores and labels once; each metric sees exactly the resample a pass of its own gave it.
    /// </summary>
    private static IReadOnlyList<(double Low, double High, int? LeftOut)> ImageRankingIntervals(float[] scores, bool[] labels, string[] subjects) =>
        Bootstrap.GroupIntervalsCounted(subjects, 3, idx =>
        {
            float[] s = [.. idx.Select(i => scores[i])];
            bool[] l = [.. idx.Select(i => labels[i])];
            // One class only drawn: nothing to rank, so no value for any of the three.
            return l.All(x => x) || l.All(x => !x)
                ? [double.NaN, double.NaN, double.NaN]
                : [RankingMetrics.RocAuc(s, l), RankingMetrics.PrecisionRecallAuc(s, l), RankingMetrics.AveragePrecision(s, l)];
        });

    /// <summary>The interval of a per-case mean, averaged as the point estimate is (cases without a value left out).</summary>
    private static (double Low, double High) MeanInterval(string[] subjects, double[] values) =>
        Bootstrap.GroupInterval(subjects, idx => Mean(idx.Select(i => values[i])));

    private static double Mean(IEnumerable<double> values)
    {
        var finite = values.Where(double.IsFinite).ToList();
        return finite.Count == 0 ? double.NaN : finite.Average();
    }
}
