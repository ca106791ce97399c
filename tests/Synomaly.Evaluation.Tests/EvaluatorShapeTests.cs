using Synomaly.Diffusion.Inference;

namespace Synomaly.Evaluation.Tests;

/// <summary>
/// The evaluator takes the side of its square slices from the first case of a batch; a case of another shape is refused by
/// position with both sizes named, before torch sees it as a bare shape error or reads it as a different image.
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
    public void A_case_off_the_batchs_square_grid_is_refused_by_position(int inputPixels, int truthPixels)
    {
        var cases = new List<EvaluationCase> { Case("fits", 64, 64), Case("off", inputPixels, truthPixels) };
        var options = InferenceOptions.SingleStage(100, 3, 0.2) with { MinComponentSize = 0, Seed = 1 };

        var refusal = Assert.Throws<ArgumentException>(() => _detector.Evaluator().Run("shapes", cases, options, cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("Evaluation case 2 is not a square slice of 8x8 pixels", refusal.Message, StringComparison.Ordinal);
        Assert.Contains($"input {inputPixels}, truth {truthPixels} pixels", refusal.Message, StringComparison.Ordinal);
    }

    private static EvaluationCase Case(string id, int inputPixels, int truthPixels) =>
        new(id, id + ".png", new float[inputPixels], new bool[truthPixels], null);
}
