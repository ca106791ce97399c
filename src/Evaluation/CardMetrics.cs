using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Weights;

namespace Synomaly.Evaluation;

/// <summary>
/// The headline numbers of an evaluation as model-card metrics, so that a model carries the validation figures it was
/// released with: <c>reporting.{mode}.{metric}</c> per configuration (single-stage, fixed-list, adaptive) and the case
/// counts, with the anomalous cases each mode missed outright (<c>cases_without_prediction</c>), which <c>hd95_px</c> leaves
/// out, and the image label rule the image metrics ranked with (<c>image_label_min_truth_px</c>: 2 for the reference's,
/// 1 for any-truth) with the lesion cases it counted as healthy images. Non-finite values (an HD95 without any predicted pixel, say) are left out: JSON has no NaN, and a missing key
/// says "not defined" more honestly than a sentinel number. Beside them the card names the profile they were measured with
/// (<see cref="ModelCard.MetricsProfile"/>), and tuning that profile to other settings removes them
/// (<see cref="AfterTuning"/>): a card must not claim numbers for settings it no longer serves.
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
            // One evaluation ranks every mode's images under one rule (--image-label); without it, image AUROC, AUPRC and
            // AP measured with any-truth could not be told from the reference's on a set with one-pixel lesion cases.
            metrics[$"{ReportingPrefix}.image_label_min_truth_px"] = MinimumTruthPixels(results[0].ImageLabel);
            metrics[$"{ReportingPrefix}.lesion_cases_labelled_healthy"] = results[0].LesionCasesLabelledHealthy;
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
        foreach (var (key, value) in existing.Where(entry => !IsReporting(entry.Key)))
        {
            merged[key] = value;
        }

        foreach (var (key, value) in From(results))
        {
            merged[key] = value;
        }

        return merged;
    }

    /// <summary>
    /// <paramref name="card"/> with <paramref name="results"/> as its reporting metrics (<see cref="Replace"/>), naming the
    /// profile <paramref name="profileName"/> and the settings <paramref name="measured"/> they were measured with (the
    /// profile's, or evaluate's --min-component in their place).
    /// </summary>
    public static ModelCard Record(ModelCard card, string profileName, InferenceOptions measured, IReadOnlyList<EvaluationResult> results)
    {
        ArgumentNullException.ThrowIfNull(card);
        ArgumentNullException.ThrowIfNull(measured);
        return card with { Metrics = Replace(card.Metrics, results), MetricsProfile = new MeasuredProfile(profileName, Fingerprint(measured), measured.Describe()) };
    }

    /// <summary>
    /// The profile the card's reporting metrics describe: the one recorded beside them, or, on a card recorded before that was
    /// (none named), its default profile as it stands. Null when the card has no reporting metrics, or names no profile that
    /// they could describe.
    /// </summary>
    public static MeasuredProfile? Described(ModelCard card)
    {
        ArgumentNullException.ThrowIfNull(card);
        if (!card.Metrics.Keys.Any(IsReporting))
        {
            return null;
        }

        if (card.MetricsProfile is { } recorded)
        {
            return recorded;
        }

        if (card.DefaultProfile is not { } name || !card.InferenceProfiles.TryGetValue(name, out var profile))
        {
            return null;
        }

        var options = profile.ToOptions();
        return new MeasuredProfile(name, Fingerprint(options), options.Describe());
    }

    /// <summary>
    /// The card tune writes, <paramref name="tuned"/> (profile <paramref name="profileName"/> replaced), measured against the
    /// card it read, <paramref name="before"/>: when its reporting metrics described that profile and the new settings differ
    /// from those measured, the metrics are removed, with the profile named beside them, and <c>Dropped</c> says which they
    /// were. Otherwise they stay, and the profile they describe is named, so that a default profile changed by tune does
    /// not change what they claim to measure.
    /// </summary>
    public static (ModelCard Card, MeasuredProfile? Dropped) AfterTuning(ModelCard before, ModelCard tuned, string profileName)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(tuned);
        if (Described(before) is not { } described)
        {
            return (tuned, null);
        }

        bool stale = described.Name == profileName && described.Fingerprint != Fingerprint(tuned.Profile(profileName).ToOptions());
        return stale
            ? (tuned with { Metrics = WithoutReporting(tuned.Metrics), MetricsProfile = null }, described)
            : (tuned with { MetricsProfile = described }, null);
    }

    /// <summary>
    /// 16 hex digits of the SHA-256 of the settings <paramref name="options"/> that a profile keeps (as the card writes them;
    /// not the seed, not the subjects tuned on): equal settings, equal fingerprint.
    /// </summary>
    public static string Fingerprint(InferenceOptions options)
    {
        string json = JsonSerializer.Serialize(InferenceProfile.FromOptions(options), ModelCard.JsonOptions);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)))[..16];
    }

    /// <summary>The rule as a number, since card metrics are numbers: the fewest truth pixels that make an image anomalous.</summary>
    private static int MinimumTruthPixels(ImageLabelRule rule) => rule switch
    {
        ImageLabelRule.Reference => 2,
        ImageLabelRule.AnyTruth => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "Unknown image label rule."),
    };

    private static bool IsReporting(string key) => key.StartsWith(ReportingPrefix + ".", StringComparison.Ordinal);

    private static SortedDictionary<string, double> WithoutReporting(IReadOnlyDictionary<string, double> metrics) =>
        new(metrics.Where(entry => !IsReporting(entry.Key)).ToDictionary(), StringComparer.Ordinal);

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
