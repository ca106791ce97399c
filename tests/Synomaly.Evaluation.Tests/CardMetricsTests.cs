using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Model;
using Synomaly.Diffusion.Weights;
using Synomaly.Testing;

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
    public void The_card_says_which_image_label_rule_its_image_metrics_ranked_with()
    {
        // Under the reference's rule a one-pixel lesion case is a healthy image: image AUROC, AUPRC and AP recorded without
        // the rule could not be told from numbers measured with --image-label any-truth on the same set.
        var reference = CardMetrics.From([Result("adaptive", 0.5, 7) with { ImageLabel = ImageLabelRule.Reference, LesionCasesLabelledHealthy = 3 }]);
        var anyTruth = CardMetrics.From([Result("adaptive", 0.5, 7) with { ImageLabel = ImageLabelRule.AnyTruth, LesionCasesLabelledHealthy = 0 }]);

        Assert.Equal(2, reference["reporting.image_label_min_truth_px"]);
        Assert.Equal(3, reference["reporting.lesion_cases_labelled_healthy"]);
        Assert.Equal(1, anyTruth["reporting.image_label_min_truth_px"]);
        Assert.Equal(0, anyTruth["reporting.lesion_cases_labelled_healthy"]);
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
        var card = new ModelCard { Name = "m", Version = "1", Architecture = new UNetConfig { ImageSize = 32, ModelChannels = 32 }, Preprocessing = new Preprocessing { ImageSize = 32 }, Metrics = replaced };
        var reloaded = ModelCard.FromJson(card.ToJson()).Metrics;

        Assert.Equal(0.6, reloaded["reporting.adaptive.dice"]);
        Assert.Equal(0.12, reloaded["training.final_loss"]);
        Assert.DoesNotContain(reloaded.Keys, key => key.StartsWith("reporting.fixed-list.", StringComparison.Ordinal));
    }

    [Fact]
    public void Recorded_metrics_name_the_profile_and_settings_they_were_measured_with_through_the_card_json()
    {
        var measured = Profiled("experiment").Profile("experiment").ToOptions() with { MinComponentSize = 4 };

        var card = ModelCard.FromJson(CardMetrics.Record(Profiled("experiment"), "experiment", measured, [Result("adaptive", 0.6, 8)]).ToJson());

        Assert.Equal(0.6, card.Metrics["reporting.adaptive.dice"]);
        Assert.Equal(new MeasuredProfile("experiment", CardMetrics.Fingerprint(measured), measured.Describe()), card.MetricsProfile);
        Assert.Contains("min component 4 px", card.MetricsProfile!.Settings, StringComparison.Ordinal);
    }

    [Fact]
    public void Tuning_the_profile_the_metrics_describe_to_other_settings_removes_them_and_keeps_the_other_metrics()
    {
        var before = Measured(Profiled("experiment"), "brain-mri");

        var (card, dropped) = CardMetrics.AfterTuning(before, Retuned(before, "brain-mri", threshold: 0.3), "brain-mri");

        Assert.Equal("brain-mri", dropped?.Name);
        Assert.DoesNotContain(card.Metrics.Keys, key => key.StartsWith("reporting.", StringComparison.Ordinal));
        Assert.Equal(0.12, card.Metrics["training.final_loss"]);
        Assert.Null(card.MetricsProfile);
    }

    [Fact]
    public void Tuning_another_profile_or_the_same_settings_again_keeps_the_metrics()
    {
        var before = Measured(Profiled("experiment"), "brain-mri");

        var (other, droppedOther) = CardMetrics.AfterTuning(before, Retuned(before, "experiment", threshold: 0.3), "experiment");
        var (same, droppedSame) = CardMetrics.AfterTuning(before, Retuned(before, "brain-mri", threshold: 0.2) with { DefaultProfile = "experiment" }, "brain-mri");

        Assert.Equal((null, null), (droppedOther, droppedSame));
        Assert.Equal(before.Metrics, other.Metrics);
        Assert.Equal(before.Metrics, same.Metrics);
        Assert.Equal("brain-mri", same.MetricsProfile?.Name);
    }

    [Fact]
    public void Metrics_recorded_before_the_profile_was_named_describe_the_default_profile_and_stay_with_it_when_the_default_changes()
    {
        var before = Profiled("experiment") with { Metrics = CardMetrics.From([Result("adaptive", 0.5, 7)]) };

        var (retunedDefault, dropped) = CardMetrics.AfterTuning(before, Retuned(before, "brain-mri", threshold: 0.3), "brain-mri");
        var (madeDefault, kept) = CardMetrics.AfterTuning(before, Retuned(before, "experiment", threshold: 0.3) with { DefaultProfile = "experiment" }, "experiment");

        Assert.Equal("brain-mri", dropped?.Name);
        Assert.Empty(retunedDefault.Metrics);
        Assert.Null(kept);
        Assert.Equal("brain-mri", madeDefault.MetricsProfile?.Name);
        Assert.Equal(before.Metrics, madeDefault.Metrics);
    }

    [Fact]
    public void The_shipped_card_loads_without_a_named_profile_and_its_metrics_describe_its_default_profile()
    {
        string folder = Path.Combine(TestPaths.RepositoryRoot, "models", "brain-mri-demo");
        var shipped = ModelPackage.LoadCard(folder);

        Assert.Null(shipped.MetricsProfile);
        Assert.Equal("brain-mri", CardMetrics.Described(shipped)?.Name);
        Assert.DoesNotContain("metrics_profile", File.ReadAllText(Path.Combine(folder, ModelPackage.CardFile)), StringComparison.Ordinal);
    }

    /// <summary>A card whose default profile is brain-mri (adaptive 100, k=3, θ=0.2), with a second profile <paramref name="other"/>.</summary>
    private static ModelCard Profiled(string other) => new()
    {
        Name = "m",
        Version = "1",
        Architecture = new UNetConfig { ImageSize = 32, ModelChannels = 32 },
        Preprocessing = new Preprocessing { ImageSize = 32 },
        InferenceProfiles = new Dictionary<string, InferenceProfile>
        {
            ["brain-mri"] = InferenceProfile.FromOptions(InferenceOptions.Adaptive(100, 3, 0.2)),
            [other] = InferenceProfile.FromOptions(InferenceOptions.Adaptive(250, 5, 0.25)),
        },
        DefaultProfile = "brain-mri",
        Metrics = new Dictionary<string, double> { ["training.final_loss"] = 0.12 },
    };

    /// <summary><paramref name="card"/> with reporting metrics recorded for its profile <paramref name="profile"/>.</summary>
    private static ModelCard Measured(ModelCard card, string profile) =>
        CardMetrics.Record(card, profile, card.Profile(profile).ToOptions(), [Result("adaptive", 0.5, 7)]);

    /// <summary><paramref name="card"/> with profile <paramref name="profile"/> tuned to <paramref name="threshold"/>, as tune writes it (with its subjects).</summary>
    private static ModelCard Retuned(ModelCard card, string profile, double threshold) => card with
    {
        InferenceProfiles = new Dictionary<string, InferenceProfile>(card.InferenceProfiles)
        {
            [profile] = card.Profile(profile) with { Threshold = threshold, TuningSubjects = ["0123456789abcdef"] },
        },
    };
}
