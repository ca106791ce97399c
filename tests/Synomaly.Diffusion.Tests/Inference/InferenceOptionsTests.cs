using Synomaly.Diffusion.Inference;

namespace Synomaly.Diffusion.Tests.Inference;

public sealed class InferenceOptionsTests
{
    [Fact]
    public void The_single_stage_counterpart_keeps_everything_but_the_stages()
    {
        var fixedList = InferenceOptions.FixedStages([150, 100, 50], 5, 0.12) with
        {
            MinComponentSize = 8, NoiseDraws = 8, Seed = 42, Fusion = FusionMode.Binary, StopDelta = 0.02,
        };

        var single = fixedList.AsSingleStage();

        Assert.Equal(InferenceMode.SingleStage, single.Mode);
        Assert.Equal([150], single.Timesteps);
        Assert.Equal(1, single.StageLimit);
        Assert.Equal(
            (fixedList.BlurKernel, fixedList.Threshold, fixedList.MinComponentSize, fixedList.NoiseDraws, fixedList.Seed, fixedList.Fusion),
            (single.BlurKernel, single.Threshold, single.MinComponentSize, single.NoiseDraws, single.Seed, single.Fusion));
    }
}
