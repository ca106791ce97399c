using System.Text.Json;
using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Schedules;
using static TorchSharp.torch;

namespace Synomaly.Diffusion.Tests.Inference;

/// <summary>
/// The adaptive runs a, b, c of the reference fixtures (tiny_adaptive_*): the authors' loop, one image at a time, with the
/// noise of every stage supplied. The batched detector must run the same number of stages per image and reproduce every
/// stage's reconstruction and map within the README's tolerances.
/// </summary>
public sealed class AdaptiveReferenceFixtureTests(ITestOutputHelper output)
{
    private const int Images = 3, MaxStages = 5, Pixels = 32 * 32;

    [Theory]
    [InlineData("a")]
    [InlineData("b")]
    [InlineData("c")]
    public void Batched_adaptive_inference_reproduces_the_reference_run(string name)
    {
        using var scope = NewDisposeScope();
        JsonElement run = ReferenceFixture.Meta("tiny_adaptive_meta.json").GetProperty("runs").GetProperty(name);
        int[] expectedStages = run.GetProperty("stages_run").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var options = InferenceOptions.Adaptive(
            run.GetProperty("t").GetInt32(),
            run.GetProperty("kernel").GetInt32(),
            run.GetProperty("threshold").GetDouble(),
            run.GetProperty("diff_threshold").GetDouble()) with
        {
            MaxStages = run.GetProperty("max_stages").GetInt32(),
            RecordStages = true,
        };
        var x0 = ReferenceFixture.ReadTensor("tiny_adaptive_x0.f32", Images, 1, 32, 32);
        var noise = ReferenceFixture.ReadTensor("tiny_adaptive_noise.f32", MaxStages, Images, 1, 32, 32);
        float[] expectedReconstructions = ReferenceFixture.ReadFloats($"tiny_adaptive_{name}_xpred.f32");
        float[] expectedMaps = ReferenceFixture.ReadFloats($"tiny_adaptive_{name}_maps.f32");
        float[] expectedFinal = ReferenceFixture.ReadFloats($"tiny_adaptive_{name}_final_map.f32");
        using var model = ReferenceParityTests.LoadTinyModel();
        using var diffusion = new GaussianDiffusion(BetaSchedule.Cosine);

        var result = new AnomalyDetector(model, diffusion).Detect(x0, options, stage => noise[stage]);

        Assert.Equal(expectedStages, result.StagesRun);
        Assert.Equal(expectedStages.Max(), result.Stages.Count);
        for (int stage = 0; stage < result.Stages.Count; stage++)
        {
            int offset = stage * Images * Pixels;
            AssertClose(expectedReconstructions.AsSpan(offset, Images * Pixels), result.Stages[stage].Reconstructions, $"stage {stage + 1} reconstruction");
            AssertMapsAgree(expectedMaps.AsSpan(offset, Images * Pixels), result.Stages[stage].Maps, $"stage {stage + 1} map");
        }

        AssertMapsAgree(expectedFinal, result.Maps, "final map");
        int[] expectedCounts = run.GetProperty("final_nonzero_pixels").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        for (int i = 0; i < Images; i++)
        {
            Assert.InRange(result.Scores[i], expectedCounts[i] - (0.005 * Pixels), expectedCounts[i] + (0.005 * Pixels));
        }
    }

    private void AssertClose(ReadOnlySpan<float> expected, float[] actual, string what)
    {
        float worst = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        }

        output.WriteLine($"{what}: max |difference| = {worst}");
        Assert.True(worst <= 1e-4f, $"{what}: max |difference| = {worst}");
    }

    /// <summary>README tolerance: the non-zero patterns agree on ≥ 99.5 % of pixels, values within 1e-4 where both are non-zero.</summary>
    private void AssertMapsAgree(ReadOnlySpan<float> expected, float[] actual, string what)
    {
        int disagree = 0;
        float worst = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            if ((expected[i] != 0) != (actual[i] != 0))
            {
                disagree++;
            }
            else if (expected[i] != 0)
            {
                worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
            }
        }

        output.WriteLine($"{what}: {disagree} pixels differ in being anomalous, max |difference| where both are non-zero = {worst}");
        Assert.True(disagree <= 0.005 * actual.Length, $"{what}: {disagree} of {actual.Length} pixels differ in being anomalous");
        Assert.True(worst <= 1e-4f, $"{what}: max |difference| where both are non-zero = {worst}");
    }
}
