namespace Synomaly.Evaluation;

/// <summary>
/// The headline numbers of an evaluation as model-card metrics, so that a model carries the validation figures it was
/// released with: <c>reporting.{mode}.{metric}</c> per configuration (single-stage, fixed-list, adaptive) and the case
/// counts, with the anomalous cases each mode missed outright (<c>cases_without_prediction</c>), which <c>hd95_px</c> leaves
/// out. Non-finite values (an HD95 without any predicted pixel, say) are left out: JSON has no NaN, and a missing key
/// says "not defined" more honestly than a sentinel number.
/// </summary>
public static class CardMetrics
{
    public const string ReportingPrefix = "reporting";

    /// <summary>The card metrics of these results, keyed under <see cref="ReportingPrefix"/>.</summary>
    public static IReadOnlyDictionary<string, double> From(IReadOnlyList<EvaluationResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var metrics = new SortedDictionary<string, double>(StringComparer.Ordinal);
        if (results.Count > 0)
        {
            metrics[$"{ReportingPrefix}.anomalous_cases"] = results[0].AnomalousCases;
            metrics[$"{ReportingPrefix}.healthy_cases"] = results[0].HealthyCases;
        }

        foreach (var result in results)
        {
            foreach (var (name, value) in Headline(result))
            {
                if (double.IsFinite(value))
                {
                    metrics[$"{ReportingPrefix}.{result.Name}.{name}"] = value;
                }
            }
        }

        return metrics;
    }

    /// <summary>
    /// The card's metrics with every earlier <see cref="ReportingPrefix"/> entry replaced by these results (a mode left out
    /// of this evaluation does not keep numbers from an older one); other entries stay.
    /// </summary>
    public static IReadOnlyDictionary<string, double> Replace(IReadOnlyDictionary<string, double> existing, IReadOnlyList<EvaluationResult> results)
    {
        ArgumentNullException.ThrowIfNull(existing);
        var merged = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var (key, value) in existing.Where(entry => !entry.Key.StartsWith(ReportingPrefix + ".", StringComparison.Ordinal)))
        {
            merged[key] = value;
        }

        foreach (var (key, value) in From(results))
        {
            merged[key] = value;
        }

        return merged;
    }

    private static IEnumerable<(string Name, double Value)> Headline(EvaluationResult result) =>
    [
        ("dice", result.Dice),
        ("dice_ci_low", result.DiceInterval.Low),
        ("dice_ci_high", result.DiceInterval.High),
        ("iou", result.IoU),
        ("precision", result.Precision),
        ("recall", result.Recall),
        ("hd95_px", result.Hausdorff95),
        // hd95_px averages only the cases with a prediction: the count of those it leaves out is read beside it.
        ("cases_without_prediction", result.CasesWithoutPrediction),
        ("pixel_ap", result.PixelAveragePrecision),
        ("pixel_auroc", result.PixelAuroc),
        ("pixel_auprc", result.PixelAuprc),
        ("image_auroc", result.ImageAuroc),
        ("image_auroc_ci_low", result.ImageAurocInterval.Low),
        ("image_auroc_ci_high", result.ImageAurocInterval.High),
        ("image_auprc", result.ImageAuprc),
        ("image_ap", result.ImageAveragePrecision),
        ("fp_pixels_per_healthy_slice", result.FalsePositivePixelsPerHealthySlice),
        ("mean_stages", result.MeanStages),
    ];
}
