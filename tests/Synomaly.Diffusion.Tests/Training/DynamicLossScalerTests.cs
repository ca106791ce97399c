using Synomaly.Diffusion.Training;

namespace Synomaly.Diffusion.Tests.Training;

public sealed class DynamicLossScalerTests
{
    [Fact]
    public void An_overflow_skips_the_step_and_halves_the_scale()
    {
        var scaler = new DynamicLossScaler();
        Assert.True(scaler.Update(gradientsFinite: true));
        Assert.False(scaler.Update(gradientsFinite: false));
        Assert.Equal(DynamicLossScaler.InitialScale / 2, scaler.Scale);
        Assert.Equal(0, scaler.CleanSteps);
    }

    [Fact]
    public void The_scale_doubles_after_the_growth_interval_of_clean_steps()
    {
        var scaler = new DynamicLossScaler();
        for (int i = 0; i < DynamicLossScaler.GrowthInterval - 1; i++)
        {
            Assert.True(scaler.Update(gradientsFinite: true));
        }

        Assert.Equal(DynamicLossScaler.InitialScale, scaler.Scale);
        scaler.Update(gradientsFinite: true);
        Assert.Equal(DynamicLossScaler.InitialScale * 2, scaler.Scale);
        Assert.Equal(0, scaler.CleanSteps);
    }

    [Fact]
    public void The_scale_never_falls_below_one()
    {
        var scaler = new DynamicLossScaler();
        for (int i = 0; i < 40; i++)
        {
            scaler.Update(gradientsFinite: false);
        }

        Assert.Equal(1, scaler.Scale);
    }

    [Fact]
    public void A_corrupt_saved_state_is_rejected()
    {
        var scaler = new DynamicLossScaler();
        Assert.Throws<InvalidDataException>(() => scaler.Restore(double.NaN, 0));
        Assert.Throws<InvalidDataException>(() => scaler.Restore(1024, -1));
        scaler.Restore(1024, 7);
        Assert.Equal((1024.0, 7), (scaler.Scale, scaler.CleanSteps));
    }
}
