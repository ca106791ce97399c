using System.Globalization;
using System.Text;
using System.Text.Json;
using SixLabors.ImageSharp;
using Synomaly.Imaging.Plots;

namespace Synomaly.Evaluation;

/// <summary>Writes an evaluation as a Markdown table, a JSON file, ROC and precision-recall plots and a sample grid.</summary>
public static class EvaluationReport
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, Converters = { new UndefinedAsNull() } };

    public static string MarkdownTable(IReadOnlyList<EvaluationResult> results)
    {
        var md = new StringBuilder();
        // Intervals for the headline of each kind (overlap, pixel ranking, image ranking, false alarms); the JSON has the
        // rest (IoU, precision, recall, pixel AUROC), which would make the table too wide to read.
        md.AppendLine("| mode | settings | Dice (95% CI) | IoU | precision | recall | HD95 px (cases missed) | pixel AP (95% CI) | pixel AUROC | pixel AUPRC | image AUROC (95% CI) | image AUPRC | image AP | FP px / healthy slice (95% CI) | stages |");
        md.AppendLine("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        foreach (var r in results)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Name} | {r.Settings} | {F(r.Dice)} {Interval(r.DiceInterval)} | {F(r.IoU)} | {F(r.Precision)} | {F(r.Recall)} | {F(r.Hausdorff95, 1)} ({r.CasesWithoutPrediction}) | {F(r.PixelAveragePrecision)} {Interval(r.PixelAveragePrecisionInterval)} | {F(r.PixelAuroc)} | {F(r.PixelAuprc)} | {F(r.ImageAuroc)} {Interval(r.ImageAurocInterval)} | {F(r.ImageAuprc)} | {F(r.ImageAveragePrecision)} | {F(r.FalsePositivePixelsPerHealthySlice, 1)} {Interval(r.FalsePositivePixelsInterval, 1)} | {F(r.MeanStages, 2)} |");
        }

        // What "95% CI" and "n/a" mean, in the file itself: a table read alone must say how its intervals can be redone.
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"95% CI: percentile bootstrap that resamples subjects (a subject's cases together), {Bootstrap.DefaultResamples} resamples, seed {Bootstrap.DefaultSeed}. n/a: not defined for this set.");
        // A resample that drew one class only has no ranking: the intervals are made of the others, and say how many; n/a
        // where none was drawn (one subject, one class in the whole set), which "0" would pass off as every resample kept.
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"Resamples left out of the image AUROC, AUPRC and AP intervals (one class only drawn, nothing to rank), of {Bootstrap.DefaultResamples}: {LeftOut(results, r => r.ImageRankingResamplesLeftOut)}.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"Resamples left out of the pixel AP, AUROC and AUPRC intervals (no lesion pixel drawn, nothing to rank), of {Bootstrap.DefaultResamples}: {LeftOut(results, r => r.PixelRankingResamplesLeftOut)}.");
        // Which cases the image columns rank as anomalous: a run with the other rule is told apart in the file itself.
        foreach (var rule in results.Select(r => r.ImageLabel).Distinct())
        {
            var modes = results.Where(r => r.ImageLabel == rule).ToList();
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture,
                $"Image label: {rule.Description()}; lesion cases counted as healthy images: {string.Join(", ", modes.Select(r => $"{r.Name} {r.LesionCasesLabelledHealthy}"))}.");
        }

        AppendBreakdown(md, "Dice by lesion size (pixels of the model grid):", results, r => r.DiceBySize);
        AppendBreakdown(md, "Dice by lesion intensity model:", results, r => r.DiceByIntensity);
        return md.ToString();
    }

    /// <summary>Each mode's count of resamples left out ("adaptive 12"), n/a where none was drawn.</summary>
    private static string LeftOut(IReadOnlyList<EvaluationResult> results, Func<EvaluationResult, int?> count) =>
        string.Join(", ", results.Select(r => $"{r.Name} {count(r)?.ToString(CultureInfo.InvariantCulture) ?? "n/a"}"));

    /// <summary>Writes one sub-table of mean Dice per group (size bin, intensity model), one row per mode.</summary>
    private static void AppendBreakdown(StringBuilder md, string caption, IReadOnlyList<EvaluationResult> results, Func<EvaluationResult, IReadOnlyList<(string Bin, int Cases, double Dice)>> groups)
    {
        var bins = results.Count == 0 ? [] : groups(results[0]);
        if (bins.Count == 0)
        {
            return;
        }

        md.AppendLine();
        md.AppendLine(caption);
        md.AppendLine();
        md.AppendLine("| mode | " + string.Join(" | ", bins.Select(b => b.Bin)) + " |");
        md.AppendLine("| --- |" + string.Concat(Enumerable.Repeat(" --- |", bins.Count)));
        foreach (var r in results)
        {
            md.AppendLine($"| {r.Name} | " + string.Join(" | ", groups(r).Select(b => string.Create(CultureInfo.InvariantCulture, $"{F(b.Dice)} (n={b.Cases})"))) + " |");
        }
    }

    public static void Write(string directory, IReadOnlyList<EvaluationResult> results, string title)
    {
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, "evaluation.md"), $"# {title}\n\n" + MarkdownTable(results));
        File.WriteAllText(Path.Combine(directory, "evaluation.json"), SummaryJson(results));
        File.WriteAllText(Path.Combine(directory, "cases.csv"), CaseTable(results));

        foreach (var (file, plot, series) in Figures(results))
        {
            Save(plot, series, directory, file);
        }

        var best = results.OrderByDescending(r => double.IsNaN(r.Dice) ? -1 : r.Dice).First();
        // cases.csv lists every mode's cases in turn: the rows of the modes before this one come first.
        int firstRow = results.TakeWhile(r => !ReferenceEquals(r, best)).Sum(r => r.Outcomes.Count) + 1;
        var samples = best.Outcomes.Select((o, i) => (Outcome: o, Row: firstRow + i)).Where(s => s.Outcome.Case.IsAnomalous).Take(6).ToList();
        using var grid = SampleGrid.Render(
            [.. samples.Select(s => s.Outcome)],
            [.. samples.Select(s => $"{best.Name}: {SampleGrid.RowLabel(s.Outcome.Case, s.Row)}")]);
        grid.SaveAsPng(Path.Combine(directory, "samples.png"));
    }

    /// <summary>
    /// The four curve figures (file, plot, one series per mode): pixel and image ROC and precision-recall. Each legend gives
    /// the mode's areas as the table prints them (AUROC; AP and the trapezoid AUPRC), so a figure read alone says which
    /// numbers it stands for.
    /// </summary>
    internal static IReadOnlyList<(string File, LinePlot Plot, IReadOnlyList<PlotSeries> Series)> Figures(IReadOnlyList<EvaluationResult> results)
    {
        IReadOnlyList<PlotSeries> Series(Func<EvaluationResult, IReadOnlyList<(double X, double Y)>> curve, Func<EvaluationResult, string> legend) =>
            [.. results.Select((r, i) => new PlotSeries(legend(r), curve(r), LinePlot.Palette[i % LinePlot.Palette.Length]))];

        return
        [
            ("roc-pixel.png", new LinePlot { Title = "PIXEL ROC", XLabel = "false positive rate", YLabel = "true positive rate", XRange = (0, 1), YRange = (0, 1), Diagonal = true, LegendAtBottom = true },
                Series(r => PixelCurve(r, Curves.Roc), r => $"{r.Name} AUROC {F(r.PixelAuroc)}")),
            ("pr-pixel.png", new LinePlot { Title = "PIXEL PRECISION-RECALL", XLabel = "recall", YLabel = "precision", XRange = (0, 1), YRange = (0, 1) },
                Series(r => PixelCurve(r, Curves.PrecisionRecall), r => $"{r.Name} AP {F(r.PixelAveragePrecision)}, AUPRC {F(r.PixelAuprc)}")),
            ("roc-image.png", new LinePlot { Title = "IMAGE ROC", XLabel = "false positive rate", YLabel = "true positive rate", XRange = (0, 1), YRange = (0, 1), Diagonal = true, LegendAtBottom = true },
                Series(r => ImageCurve(r, Curves.Roc), r => $"{r.Name} AUROC {F(r.ImageAuroc)}")),
            ("pr-image.png", new LinePlot { Title = "IMAGE PRECISION-RECALL", XLabel = "recall", YLabel = "precision", XRange = (0, 1), YRange = (0, 1) },
                Series(r => ImageCurve(r, Curves.PrecisionRecall), r => $"{r.Name} AP {F(r.ImageAveragePrecision)}, AUPRC {F(r.ImageAuprc)}")),
        ];
    }

    /// <summary>
    /// One row per mode and case (case id, lesion kind and area, image score, Dice, stages), so that a reader can find the
    /// cases behind a mean. Case ids are those of the set's manifest (reporting-set.json), which rebuilds each case; a
    /// lesion given with its scan is "given" with shape "mask".
    /// </summary>
    public static string CaseTable(IReadOnlyList<EvaluationResult> results)
    {
        var csv = new StringBuilder("mode,case,intensity,shape,truth_px,predicted_px,dice,stages\n");
        foreach (var r in results)
        {
            foreach (var o in r.Outcomes)
            {
                var lesion = o.Case.Lesion;
                // A lesion given with its scan has no drawn intensity model or shape: "given" and "mask" say so.
                string intensity = lesion is not null ? EvaluationResult.IntensityName(lesion.Model) : o.Case.IsAnomalous ? "given" : "healthy";
                string shape = lesion?.ShapeKind ?? (o.Case.IsAnomalous ? "mask" : "");
                string dice = o.Case.IsAnomalous ? F(o.Metrics.Dice, 4) : "";
                csv.Append(CultureInfo.InvariantCulture, $"{CsvField(r.Name)},{CsvField(o.Case.Id)},{intensity},{shape},{o.Case.TruthArea},{o.Score},{dice},{o.StagesRun}\n");
            }
        }

        return csv.ToString();
    }

    /// <summary>
    /// A CSV field as RFC 4180 writes it: quoted, with its quotes doubled, when it holds a comma, quote or line break. Case ids
    /// of given scans are their file names, which may hold any of them; unquoted, a comma split the row into extra columns.
    /// </summary>
    private static string CsvField(string value) =>
        value.AsSpan().IndexOfAny(",\"\r\n") < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    /// <summary>
    /// The metrics of each result as JSON (evaluation.json, tuning.json), per-case rows left out. Field names stay as
    /// first published; each 95% interval is a [low, high] pair named after its metric with "Ci95". An undefined value
    /// (NaN) is null.
    /// </summary>
    public static string SummaryJson(IEnumerable<EvaluationResult> results) => JsonSerializer.Serialize(results.Select(Summary), Json);

    private static object Summary(EvaluationResult r) => new
    {
        r.Name,
        r.Settings,
        r.AnomalousCases,
        r.HealthyCases,
        r.Dice,
        DiceCi95 = Pair(r.DiceInterval),
        r.IoU,
        IoUCi95 = Pair(r.IoUInterval),
        r.Precision,
        PrecisionCi95 = Pair(r.PrecisionInterval),
        r.Recall,
        RecallCi95 = Pair(r.RecallInterval),
        r.Hausdorff95,
        Hausdorff95Ci95 = Pair(r.Hausdorff95Interval),
        r.CasesWithoutPrediction,
        r.PixelAveragePrecision,
        PixelAveragePrecisionCi95 = Pair(r.PixelAveragePrecisionInterval),
        r.PixelAuroc,
        PixelAurocCi95 = Pair(r.PixelAurocInterval),
        r.PixelAuprc,
        PixelAuprcCi95 = Pair(r.PixelAuprcInterval),
        r.PixelRankingResamplesLeftOut,
        r.ReferencePerImageAuprc,
        ImageLabel = r.ImageLabel.Name(),
        r.LesionCasesLabelledHealthy,
        r.ImageAuroc,
        ImageAurocCi95 = Pair(r.ImageAurocInterval),
        r.ImageRankingResamplesLeftOut,
        r.ImageAuprc,
        ImageAuprcCi95 = Pair(r.ImageAuprcInterval),
        r.ImageAveragePrecision,
        ImageAveragePrecisionCi95 = Pair(r.ImageAveragePrecisionInterval),
        r.FalsePositivePixelsPerHealthySlice,
        FalsePositivePixelsPerHealthySliceCi95 = Pair(r.FalsePositivePixelsInterval),
        r.FalsePositiveRate,
        r.ReferenceHausdorff95,
        r.HealthySsim,
        r.AnomalousSsim,
        r.MeanStages,
        r.NormativeFallbacks,
        DiceBySize = r.DiceBySize.Select(b => new { b.Bin, b.Cases, b.Dice }),
        DiceByIntensity = r.DiceByIntensity.Select(b => new { b.Bin, b.Cases, b.Dice }),
    };

    private static IReadOnlyList<(double X, double Y)> PixelCurve(EvaluationResult r, Func<IReadOnlyList<float>, IReadOnlyList<bool>, int, IReadOnlyList<(double X, double Y)>> curve)
    {
        // The same pooled continuous residual as the pixel AUROC/AUPRC.
        return curve(r.Outcomes.SelectMany(o => o.Residual).ToArray(), r.Outcomes.SelectMany(o => o.Case.Truth).ToArray(), 400);
    }

    private static IReadOnlyList<(double X, double Y)> ImageCurve(EvaluationResult r, Func<IReadOnlyList<float>, IReadOnlyList<bool>, int, IReadOnlyList<(double X, double Y)>> curve) =>
        curve(r.Outcomes.Select(o => (float)o.Score).ToArray(), EvaluationResult.ImageLabelsOf(r.Outcomes, r.ImageLabel), 400);

    private static void Save(LinePlot plot, IReadOnlyList<PlotSeries> series, string directory, string file)
    {
        using var image = plot.Render(series);
        image.SaveAsPng(Path.Combine(directory, file));
    }

    private static double[] Pair((double Low, double High) interval) => [interval.Low, interval.High];

    /// <summary>"(low-high)" as the tables have always written an interval; "(n/a)" for one that is not defined (one subject).</summary>
    private static string Interval((double Low, double High) interval, int digits = 3) =>
        double.IsFinite(interval.Low) && double.IsFinite(interval.High) ? $"({F(interval.Low, digits)}-{F(interval.High, digits)})" : "(n/a)";

    private static string F(double v, int digits = 3) => double.IsFinite(v) ? v.ToString("F" + digits, CultureInfo.InvariantCulture) : "n/a";
}
