using Synomaly.Diffusion.Inference;

namespace Synomaly.Diffusion.Tests.Inference;

public sealed class InferenceOptionsTests
{
    [Fact]
    public void The_single_stage_counterpart_keeps_everything_but_the_stages()
    {
        var fixedList = InferenceOptions.FixedStages([150, 100, 50], 5, 0.12) with
        {
            MinComponentSize = 8, NoiseDraws = 8, Seed = 42, Fusion = FusionMode.Binary, StopDelta = 0.02, NormativeThreshold = new([1f, 2f], 0.5, 3, 150, 5, 8),
        };

        var single = fixedList.AsSingleStage();

        Assert.Equal(InferenceMode.SingleStage, single.Mode);
        Assert.Equal([150], single.Timesteps);
        Assert.Equal(1, single.StageLimit);
        Assert.Equal(
            (fixedList.BlurKernel, fixedList.Threshold, fixedList.MinComponentSize, fixedList.NoiseDraws, fixedList.Seed, fixedList.Fusion, fixedList.NormativeThreshold),
            (single.BlurKernel, single.Threshold, single.MinComponentSize, single.NoiseDraws, single.Seed, single.Fusion, single.NormativeThreshold));
    }

    [Fact]
    public void The_description_names_every_setting_that_changes_the_result_in_one_line()
    {
        var adaptive = InferenceOptions.Adaptive(150, 5, 0.12) with { MinComponentSize = 8, NoiseDraws = 8, Fusion = FusionMode.Binary };

        Assert.Equal("adaptive t=150, k=5, θ=0.12, δ=0.01, ≤5 stages, Binary fusion, min component 8 px, 8 noise draws", adaptive.Describe());
        Assert.Equal("single t=150, k=5, θ=0.12, min component 8 px", (adaptive with { NoiseDraws = 1 }).AsSingleStage().Describe());
        Assert.Equal("fixed [300,200,100], k=15, θ=0.3, min component 30 px", InferenceOptions.FixedStages([300, 200, 100], 15, 0.3).Describe());
        Assert.Equal(
            "single t=150, k=3, θ=0.15, min component 8 px, 8 noise draws, normative θ (α=0.75)",
            (adaptive with { BlurKernel = 3, Threshold = 0.15, NormativeThreshold = new([1f], 0.75, 466, 150, 3, 8) }).AsSingleStage().Describe());
    }
}
