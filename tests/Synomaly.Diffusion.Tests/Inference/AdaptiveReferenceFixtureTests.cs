using Synomaly.Diffusion.Schedules;
using Synomaly.Diffusion.Weights;
using Synomaly.Testing;

namespace Synomaly.Diffusion.Tests.Inference;

/// <summary>
/// The adaptive runs a, b, c of the reference fixtures (tiny_adaptive_*): the authors' loop, one image at a time, with the
/// noise of every stage supplied. The batched detector must run the same number of stages per image and reproduce every
/// stage's reconstruction and map within the README's tolerances. The replay is <see cref="AdaptiveReferenceReplay"/>, the
/// code `synomaly verify-reference --device` runs on a GPU.
/// </summary>
public sealed class AdaptiveReferenceFixtureTests(ITestOutputHelper output)
{
    [Fact]
    public void The_fixtures_hold_the_runs_a_b_and_c()
    {
        Assert.Equal(["a", "b", "c"], AdaptiveReferenceReplay.RunNames(TestPaths.ReferenceFixtures, "tiny_"));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("b")]
    [InlineData("c")]
    public void Batched_adaptive_inference_reproduces_the_reference_run(string name)
    {
        using var model = ReferenceParityTests.LoadTinyModel();
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);

        var replay = AdaptiveReferenceReplay.Replay(model, diffusion, TestPaths.ReferenceFixtures, "tiny_", name);

        output.WriteLine($"{replay.Name}: reconstructions max |difference| = {replay.MaxReconstructionError}, maps where both non-zero = {replay.MaxMapError}; {replay.Detail}");
        Assert.Equal(replay.ExpectedStages, replay.StagesRun);
        Assert.True(replay.MaxReconstructionError <= 1e-4, $"reconstructions: max |difference| = {replay.MaxReconstructionError}");
        Assert.True(replay.MapsAgree, $"maps: {replay.WorstMapDisagreement} of {replay.MapPixels} pixels differ in being anomalous");
        Assert.True(replay.MaxMapError <= 1e-4, $"maps: max |difference| where both are non-zero = {replay.MaxMapError}");
        Assert.True(replay.FinalCountsAgree, replay.Detail);
        Assert.True(replay.Passed(1e-4));
    }
}
