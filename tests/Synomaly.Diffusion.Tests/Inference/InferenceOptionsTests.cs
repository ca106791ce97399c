using Synomaly.Diffusion.Inference;

namespace Synomaly.Diffusion.Tests.Inference;

public sealed class InferenceOptionsTests
{
    [Fact]
    public void The_single_stage_counterpart_keeps_everything_but_the_stages()
    {
        var fixedList = InferenceOptions.FixedStages([150, 100, 50], 5, 0.12) with
        {
            MinComponentSize = 8, NoiseDraws = 8, Seed = 42, Fusion = FusionMode.Binary, StopDelta = 0.02, StopRule = StopRule.Paper, NormativeThreshold = new([1f, 2f], 0.5, 3, 150, 5, 8),
        };

        var single = fixedList.AsSingleStage();

        Assert.Equal(InferenceMode.SingleStage, single.Mode);
        Assert.Equal([150], single.Timesteps);
        Assert.Equal(1, single.StageLimit);
        Assert.Equal(
            (fixedList.BlurKernel, fixedList.Threshold, fixedList.MinComponentSize, fixedList.NoiseDraws, fixedList.Seed, fixedList.Fusion, fixedList.StopRule, fixedList.NormativeThreshold),
            (single.BlurKernel, single.Threshold, single.MinComponentSize, single.NoiseDraws, single.Seed, single.Fusion, single.StopRule, single.NormativeThreshold));
    }

    [Fact]
    public void The_description_names_every_setting_that_changes_the_result_in_one_line()
    {
        var adaptive = InferenceOptions.Adaptive(150, 5, 0.12) with { MinComponentSize = 8, NoiseDraws = 8, Fusion = FusionMode.Binary };

        Assert.Equal("adaptive t=150, k=5, θ=0.12, δ=0.01, ≤5 stages, Binary fusion, min component 8 px, 8 noise draws", adaptive.Describe());
        Assert.Equal("adaptive t=150, k=5, θ=0.12, δ=0.01, paper stop rule, ≤5 stages, Binary fusion, min component 8 px, 8 noise draws", (adaptive with { StopRule = StopRule.Paper }).Describe());
        Assert.Equal("single t=150, k=5, θ=0.12, min component 8 px", (adaptive with { NoiseDraws = 1 }).AsSingleStage().Describe());
        Assert.Equal("fixed [300,200,100], k=15, θ=0.3, min component 30 px", InferenceOptions.FixedStages([300, 200, 100], 15, 0.3).Describe());
        Assert.Equal(
            "single t=150, k=3, θ=0.15, min component 8 px, 8 noise draws, normative θ (α=0.75)",
            (adaptive with { BlurKernel = 3, Threshold = 0.15, NormativeThreshold = new([1f], 0.75, 466, 150, 3, 8) }).AsSingleStage().Describe());
    }

    private const long Pixels = 32 * 32;

    [Theory]
    [InlineData(100L, 99L, true)]     // |1| / max(100, 500) = 0.002: the floor makes a 1 % change in a small map "settled"
    [InlineData(1000L, 990L, true)]   // 0.01 ≤ δ: equality stops
    [InlineData(1000L, 989L, false)]  // 0.011
    [InlineData(0L, 4L, true)]        // 4 / 500 = 0.008
    [InlineData(0L, 0L, true)]        // two empty maps
    [InlineData(null, Pixels, true)]  // stage 1 compares with the all-ones start: a map of every pixel stops at once
    [InlineData(null, 0L, false)]     // an empty stage-1 map is a change of every pixel
    public void The_released_stop_rule_floors_the_denominator_at_500_and_stops_at_equality(long? previous, long count, bool stops)
    {
        var options = InferenceOptions.Adaptive(250, 5, 0.2);

        Assert.Equal(StopRule.Released, options.StopRule);
        Assert.Equal(stops, options.ShouldStop(previous, count, Pixels));
    }

    [Fact]
    public void The_area_scaled_floor_keeps_the_reference_s_share_of_the_slice_so_at_64_pixels_a_small_map_s_change_counts()
    {
        const long At64 = 64 * 64;
        var reference = InferenceOptions.Adaptive(250, 5, 0.2);
        var scaled = reference with { StopFloor = StopFloor.AreaScaled };

        Assert.Equal(StopFloor.Reference, reference.StopFloor);
        Assert.Equal((500.0, 500.0, 500.0), (reference.StopFloorFor(At64), reference.StopFloorFor(128 * 128), reference.StopFloorFor(256 * 256)));
        Assert.Equal((125.0, 500.0, 2000.0), (scaled.StopFloorFor(At64), scaled.StopFloorFor(128 * 128), scaled.StopFloorFor(256 * 256)));
        // 200 then 196 pixels at 64×64: 4 / max(200, 500) = 0.008 stops under the reference's floor, 4 / max(200, 125) = 0.02 continues.
        Assert.True(reference.ShouldStop(200, 196, At64));
        Assert.False(scaled.ShouldStop(200, 196, At64));
        // At 128×128 the two floors are one; the paper rule has no floor; an unknown floor is refused by name.
        Assert.Equal(reference.ShouldStop(200, 196, 128 * 128), scaled.ShouldStop(200, 196, 128 * 128));
        Assert.Equal((reference with { StopRule = StopRule.Paper }).ShouldStop(200, 196, At64), (scaled with { StopRule = StopRule.Paper }).ShouldStop(200, 196, At64));
        Assert.Equal("StopFloor", Assert.Throws<InvalidOptionException>(() => (scaled with { StopFloor = (StopFloor)7 }).Validate(1000)).ParamName);
        Assert.Equal("adaptive t=250, k=5, θ=0.2, δ=0.01, area-scaled stop floor, ≤5 stages, Soft fusion, min component 30 px", scaled.Describe());
        Assert.Equal("adaptive t=250, k=5, θ=0.2, δ=0.01, ≤5 stages, Soft fusion, min component 30 px", reference.Describe());
    }

    [Theory]
    [InlineData(100L, 99L, false)]    // 1 / 100 = 0.01 is not below δ: no floor, strict
    [InlineData(1000L, 990L, false)]  // equality continues
    [InlineData(1000L, 991L, true)]   // 0.009
    [InlineData(1000L, 1009L, true)]  // growth counts like shrinkage
    [InlineData(0L, 4L, false)]       // pixels appearing after an empty map: an unbounded change
    [InlineData(0L, 0L, true)]        // two empty maps: no change
    [InlineData(null, Pixels, false)] // no m_0: no slice stops after stage 1
    [InlineData(null, 0L, false)]
    public void The_paper_stop_rule_is_the_strict_relative_change_from_stage_two_without_a_floor(long? previous, long count, bool stops)
    {
        var options = InferenceOptions.Adaptive(250, 5, 0.2) with { StopRule = StopRule.Paper };

        Assert.Equal(stops, options.ShouldStop(previous, count, Pixels));
    }

    [Fact]
    public void Under_the_paper_rule_a_zero_or_negative_threshold_never_stops_and_an_unknown_rule_is_refused()
    {
        var paper = InferenceOptions.Adaptive(250, 5, 0.2) with { StopRule = StopRule.Paper };

        Assert.False((paper with { StopDelta = 0 }).ShouldStop(0, 0, Pixels));
        Assert.False((paper with { StopDelta = InferenceOptions.NeverStopDelta }).ShouldStop(1000, 1000, Pixels));
        Assert.True((paper with { StopRule = StopRule.Released, StopDelta = 0 }).ShouldStop(1000, 1000, Pixels));
        var error = Assert.Throws<InvalidOptionException>(() => (paper with { StopRule = (StopRule)7 }).Validate(1000));
        Assert.Equal("StopRule", error.ParamName);
    }
}
