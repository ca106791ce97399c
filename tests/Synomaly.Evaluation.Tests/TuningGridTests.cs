using Synomaly.Diffusion.Inference;

namespace Synomaly.Evaluation.Tests;

public sealed class TuningGridTests
{
    private static readonly InferenceOptions Template = InferenceOptions.Adaptive(250, 5, 0.2) with { MinComponentSize = 8, Seed = 7 };

    [Fact]
    public void Without_noise_draws_every_candidate_keeps_the_reference_single_draw()
    {
        var grid = new TuningGrid([100, 200], [3], [0.1, 0.2, 0.3]);

        var candidates = grid.Candidates(Template).ToList();

        Assert.Equal(6, grid.Count);
        Assert.Equal(grid.Count, candidates.Count);
        Assert.All(candidates, c => Assert.Equal(1, c.NoiseDraws));
        Assert.Equal(6, candidates.Select(c => (c.Timesteps[0], c.BlurKernel, c.Threshold)).Distinct().Count());
    }

    [Fact]
    public void Noise_draws_multiply_the_grid_and_the_template_s_other_settings_carry_over()
    {
        var grid = Tuner.ReferenceGrid with { NoiseDraws = [1, 4] };

        var candidates = grid.Candidates(Template).ToList();

        Assert.Equal(5 * 6 * 8 * 2, grid.Count);
        Assert.Equal(grid.Count, candidates.Count);
        Assert.Equal(grid.Count / 2, candidates.Count(c => c.NoiseDraws == 4));
        Assert.Equal(grid.Count, candidates.Select(c => (c.Timesteps[0], c.BlurKernel, c.Threshold, c.NoiseDraws)).Distinct().Count());
        Assert.All(candidates, c => Assert.Equal((InferenceMode.Adaptive, 8, 7L), (c.Mode, c.MinComponentSize, c.Seed!.Value)));
    }

    [Fact]
    public void Without_fusions_every_candidate_keeps_the_template_s_fusion()
    {
        var grid = new TuningGrid([150], [3, 5], [0.1]);

        Assert.All(grid.Candidates(Template with { Fusion = FusionMode.Binary }), c => Assert.Equal(FusionMode.Binary, c.Fusion));
        Assert.All(grid.Candidates(Template), c => Assert.Equal(FusionMode.Soft, c.Fusion));
    }

    [Fact]
    public void Fusions_multiply_the_grid_and_each_setting_is_searched_with_both()
    {
        var grid = new TuningGrid([150, 200], [3], [0.1, 0.15], NoiseDraws: [1, 2], Fusions: [FusionMode.Soft, FusionMode.Binary]);

        var candidates = grid.Candidates(Template).ToList();

        Assert.Equal(2 * 2 * 2 * 2, grid.Count);
        Assert.Equal(grid.Count, candidates.Count);
        Assert.Equal(grid.Count, candidates.Select(c => (c.Timesteps[0], c.Threshold, c.NoiseDraws, c.Fusion)).Distinct().Count());
        Assert.Equal(grid.Count / 2, candidates.Count(c => c.Fusion == FusionMode.Binary));
    }
}
