using Synomaly.Diffusion.Inference;

namespace Synomaly.Evaluation.Tests;

/// <summary>
/// The evaluator takes the side of its square slices from the first case of the set; a case of another shape is refused by
/// position with its sizes named, before any case is run: before torch sees it as a bare shape error or reads it as a different image.
/// </summary>
public sealed class EvaluatorShapeTests : IDisposable
{
    private readonly TinyDetector _detector = new();

    public void Dispose() => _detector.Dispose();

    public static TheoryData<int, int> Shapes => new()
    {
        { 36, 36 }, // a 6x6 slice beside an 8x8 one
        { 64, 36 }, // the right image with a truth mask of another grid
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void A_case_off_the_sets_square_grid_is_refused_by_position(int inputPixels, int truthPixels)
    {
        var cases = new List<EvaluationCase> { Case("fits", 64, 64), Case("off", inputPixels, truthPixels) };
        var options = InferenceOptions.SingleStage(100, 3, 0.2) with { MinComponentSize = 0, Seed = 1 };

        var refusal = Assert.Throws<ArgumentException>(() => _detector.Evaluator().Run("shapes", cases, options, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("Evaluation case 2 is not a square slice of 8x8 pixels", refusal.Message, StringComparison.Ordinal);
        Assert.Contains($"input {inputPixels}, truth {truthPixels} pixels", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_batch_of_another_grid_than_the_first_is_refused_before_any_case_is_run()
    {
        // The side was taken per batch (batches of 2 here), so a later batch of 6x6 slices, one grid among itself, went to
        // the model as they were and their scores were pooled with those of the 8x8 slices.
        var cases = new List<EvaluationCase> { Case("a", 64, 64), Case("b", 64, 64), Case("c", 36, 36), Case("d", 36, 36) };
        var progress = new List<int>();

        var refusal = Assert.Throws<ArgumentException>(() => _detector.Evaluator().Run("shapes", cases, Options, new SynchronousProgress(progress.Add), TestContext.Current.CancellationToken));

        Assert.Contains("Evaluation case 3 is not a square slice of 8x8 pixels like the first case (input 36, truth 36 pixels)", refusal.Message, StringComparison.Ordinal);
        Assert.Empty(progress);
    }

    [Fact]
    public void A_foreground_of_another_grid_is_named_in_the_refusal()
    {
        // The input and truth fit; the refusal named only them, which read as a refusal of a case that was right.
        var cases = new List<EvaluationCase> { Case("fits", 64, 64), Case("off", 64, 64) with { Foreground = new bool[36] } };

        var refusal = Assert.Throws<ArgumentException>(() => _detector.Evaluator().Run("shapes", cases, Options, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("Evaluation case 2 is not a square slice of 8x8 pixels like the first case (input 64, truth 64, foreground 36 pixels)", refusal.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(10)] // no square: its own side, rounded, was named as "the first of its batch"
    [InlineData(0)] // an empty slice: a side of 0 that every empty case "fit" reached torch
    public void A_first_case_that_is_no_square_slice_is_refused_without_naming_a_grid(int pixels)
    {
        var cases = new List<EvaluationCase> { Case("off", pixels, pixels), Case("fits", 64, 64) };

        var refusal = Assert.Throws<ArgumentException>(() => _detector.Evaluator().Run("shapes", cases, Options, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains($"Evaluation case 1 is not a square slice (input {pixels}, truth {pixels} pixels)", refusal.Message, StringComparison.Ordinal);
    }

    private static InferenceOptions Options => InferenceOptions.SingleStage(100, 3, 0.2) with { MinComponentSize = 0, Seed = 1 };

    private static EvaluationCase Case(string id, int inputPixels, int truthPixels) =>
        new(id, id + ".png", new float[inputPixels], new bool[truthPixels], null);

    /// <summary>Reports on the caller's thread, as it happens (<see cref="Progress{T}"/> posts to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
