using Synomaly.Diffusion.Inference;
using Synomaly.Imaging.Presets;

namespace Synomaly.Evaluation.Tests;

/// <summary>
/// The worker serves maps restricted to the preset's foreground, so evaluate and tune measure them that way by default;
/// <see cref="MapRegion.WholeSlice"/> keeps the engine's map, as the tables before session 21 were made.
/// </summary>
public sealed class ForegroundRestrictionTests : IDisposable
{
    private readonly TinyDetector _detector = new();

    public void Dispose() => _detector.Dispose();

    // An untrained model reconstructs noise, so a low threshold marks pixels all over the slice.
    private static InferenceOptions Options => InferenceOptions.SingleStage(100, 1, 0.01) with { MinComponentSize = 0, Seed = 1 };

    private static EvaluationCase Case(bool[]? foreground)
    {
        var generator = new Random(5);
        return new EvaluationCase("case", "s.png", [.. Enumerable.Range(0, 64).Select(_ => (float)((generator.NextDouble() * 2) - 1))], [.. Enumerable.Range(0, 64).Select(p => p is 27 or 28)], null, Foreground: foreground);
    }

    /// <summary>The left half of the 8 x 8 slice.</summary>
    private static bool[] LeftHalf => [.. Enumerable.Range(0, 64).Select(p => p % 8 < 4)];

    [Fact]
    public void Maps_and_scores_count_only_the_foreground_by_default()
    {
        var evaluator = _detector.Evaluator();
        var whole = _detector.Evaluator(MapRegion.WholeSlice);

        var restrictedResult = evaluator.Run("foreground", [Case(LeftHalf)], Options, cancellationToken: TestContext.Current.CancellationToken);
        var engineResult = whole.Run("whole", [Case(LeftHalf)], Options, cancellationToken: TestContext.Current.CancellationToken);
        var restricted = Assert.Single(restrictedResult.Outcomes);
        var engine = Assert.Single(engineResult.Outcomes);

        Assert.EndsWith(", maps in the preset's foreground", restrictedResult.Settings, StringComparison.Ordinal);
        Assert.DoesNotContain("foreground", engineResult.Settings, StringComparison.Ordinal);

        Assert.Contains(engine.Map.Where((_, p) => p % 8 >= 4), v => v != 0);
        Assert.All(restricted.Map.Where((_, p) => p % 8 >= 4), v => Assert.Equal(0f, v));
        Assert.Equal(engine.Map.Where((_, p) => p % 8 < 4), restricted.Map.Where((_, p) => p % 8 < 4));
        Assert.Equal(restricted.Map.Count(v => v != 0), restricted.Score);
        Assert.Equal(engine.Map.Count(v => v != 0), engine.Score);
        Assert.True(restricted.Score < engine.Score);
        Assert.Equal(engine.Residual, restricted.Residual);
    }

    [Fact]
    public void A_case_without_a_foreground_keeps_the_whole_map()
    {
        var evaluator = _detector.Evaluator();
        var whole = _detector.Evaluator(MapRegion.WholeSlice);

        var outcome = Assert.Single(evaluator.Run("none", [Case(null)], Options, cancellationToken: TestContext.Current.CancellationToken).Outcomes);
        var engine = Assert.Single(whole.Run("whole", [Case(null)], Options, cancellationToken: TestContext.Current.CancellationToken).Outcomes);

        Assert.Equal(engine.Map, outcome.Map);
        Assert.Equal(engine.Score, outcome.Score);
    }

    [Fact]
    public void Restricting_refuses_a_foreground_of_another_size()
    {
        var error = Assert.Throws<ArgumentException>(() => ForegroundMaps.Restricted(new float[64], new bool[16]));

        Assert.Contains("64", error.Message, StringComparison.Ordinal);
        Assert.Contains("16", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_builders_give_every_case_its_preset_foreground()
    {
        var folder = Path.Combine(Synomaly.Testing.TestPaths.Data, "brain-mri-ixi-t1", "val");
        var file = Directory.EnumerateFiles(folder, "*.png").Order(StringComparer.Ordinal).First();

        var cases = new EvaluationSetBuilder([], modelSize: 32, lesionsPerSlice: 4, baseSeed: 3, trainedFor: Synomaly.Contracts.ModalityHint.BrainMri).Build([file], cancellationToken: TestContext.Current.CancellationToken);

        Assert.All(cases, c => Assert.Equal(32 * 32, Assert.IsType<bool[]>(c.Foreground).Length));
        Assert.All(cases, c => Assert.Contains(true, c.Foreground!));
        Assert.All(cases.Where(c => c.IsAnomalous), lesion =>
            Assert.All(Enumerable.Range(0, lesion.Truth.Length).Where(p => lesion.Truth[p]), p => Assert.True(lesion.Foreground![p], $"{lesion.Id}: lesion pixel {p} lies in the foreground")));
    }
}
