using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Weights;

namespace Synomaly.Evaluation.Tests;

/// <summary>`synomaly evaluate --record-in-card`: the headline numbers land in the model card and survive its JSON.</summary>
public sealed class CardMetricsTests
{
    private static EvaluationResult Result(string name, double dice, double hausdorff) => new()
    {
        Name = name,
        Settings = name,
        Options = InferenceOptions.Adaptive(300, 5, 0.2),
        AnomalousCases = 58,
        HealthyCases = 29,
        Dice = dice,
        DiceInterval = (dice - 0.05, dice + 0.05),
        IoU = 0.3,
        Precision = 0.5,
        Recall = 0.4,
        Hausdorff95 = hausdorff,
        CasesWithoutPrediction = 2,
        PixelAveragePrecision = 0.42,
        PixelAuroc = 0.8,
        PixelAuprc = 0.4,
        ReferencePerImageAuprc = 0.45,
        ImageAuroc = 0.91,
        ImageAurocInterval = (0.85, 0.96),
        ImageAuprc = 0.93,
        FalsePositivePixelsPerHealthySlice = 3.5,
        HealthySsim = 0.9,
        MeanStages = 3.2,
        DiceBySize = [],
        DiceByIntensity = [],
    };

    [Fact]
    public void Each_mode_gets_its_headline_numbers_and_undefined_values_are_left_out()
    {
        var metrics = CardMetrics.From([Result("single-stage", 0.4, 12), Result("adaptive", 0.5, double.NaN)]);

        Assert.Equal(58, metrics["reporting.anomalous_cases"]);
        Assert.Equal(29, metrics["reporting.healthy_cases"]);
        Assert.Equal(0.4, metrics["reporting.single-stage.dice"]);
        Assert.Equal(0.5, metrics["reporting.adaptive.dice"]);
        Assert.Equal(0.55, metrics["reporting.adaptive.dice_ci_high"], 12);
        Assert.Equal(0.91, metrics["reporting.adaptive.image_auroc"]);
        Assert.Equal(3.5, metrics["reporting.adaptive.fp_pixels_per_healthy_slice"]);
        Assert.Equal(12, metrics["reporting.single-stage.hd95_px"]);
        Assert.False(metrics.ContainsKey("reporting.adaptive.hd95_px"));
    }

    [Fact]
    public void The_card_says_how_many_missed_cases_each_modes_hd95_leaves_out()
    {
        var metrics = CardMetrics.From([Result("single-stage", 0.4, 12) with { CasesWithoutPrediction = 12 }, Result("adaptive", 0.5, 7) with { CasesWithoutPrediction = 0 }]);

        Assert.Equal(12, metrics["reporting.single-stage.cases_without_prediction"]);
        Assert.Equal(0, metrics["reporting.adaptive.cases_without_prediction"]);
    }

    [Fact]
    public void The_card_carries_the_step_wise_image_average_precision_beside_the_trapezoid()
    {
        var metrics = CardMetrics.From([Result("adaptive", 0.5, 7) with { ImageAveragePrecision = 0.914 }]);

        Assert.Equal(0.914, metrics["reporting.adaptive.image_ap"]);
        Assert.Equal(0.93, metrics["reporting.adaptive.image_auprc"]);
    }

    [Fact]
    public void A_new_evaluation_replaces_every_earlier_reporting_entry_and_keeps_the_others_through_the_card_json()
    {
        var earlier = CardMetrics.From([Result("fixed-list", 0.1, 30), Result("adaptive", 0.2, 20)]);
        var existing = new Dictionary<string, double>(earlier) { ["training.final_loss"] = 0.12 };

        var replaced = CardMetrics.Replace(existing, [Result("adaptive", 0.6, 8)]);
        var card = new ModelCard { Name = "m", Version = "1", Architecture = new UNetConfig { ImageSize = 32, ModelChannels = 32 }, Metrics = replaced };
        var reloaded = ModelCard.FromJson(card.ToJson()).Metrics;

        Assert.Equal(0.6, reloaded["reporting.adaptive.dice"]);
        Assert.Equal(0.12, reloaded["training.final_loss"]);
        Assert.DoesNotContain(reloaded.Keys, key => key.StartsWith("reporting.fixed-list.", StringComparison.Ordinal));
    }
}
