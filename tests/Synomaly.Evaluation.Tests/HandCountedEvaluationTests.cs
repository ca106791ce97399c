using Synomaly.Diffusion.Inference;
using Synomaly.Diffusion.Metrics;

namespace Synomaly.Evaluation.Tests;

/// <summary>
/// A set small enough to score by hand, run through the path evaluate takes (masks → <see cref="ImageMetrics"/> →
/// <see cref="EvaluationResult"/>): Dice averaged over the lesion cases only, a missed lesion scoring 0 and left out of
/// HD95, image AUROC with a lesion tied with a healthy slice at score 0, false positives per healthy slice, and lesion
/// sizes on both sides of each bin edge (20 and 60 pixels: lower edge in, upper edge out).
/// </summary>
public sealed class HandCountedEvaluationTests
{
    private const int Side = 10;

    [Fact]
    public void A_hand_counted_set_gives_the_hand_counted_metrics()
    {
        var outcomes = new[]
        {
            Lesion("a-19px-found", truth: (0, 19), predicted: (0, 19)),          // Dice 1, small
            Lesion("b-20px-missed", truth: (0, 20), predicted: (0, 0)),          // Dice 0, medium, no prediction
            Lesion("c-59px-partly", truth: (0, 59), predicted: (29, 69)),        // 30 of 59 found, 10 beside: Dice 60/99, medium
            Lesion("d-60px-found", truth: (0, 60), predicted: (0, 60)),          // Dice 1, large
            Healthy("e-quiet", predicted: (0, 0)),                               // ties with b at score 0
            Healthy("f-false-alarm", predicted: (90, 95)),                       // 5 false-positive pixels
        };

        var result = EvaluationResult.From("adaptive", InferenceOptions.Adaptive(200, 5, 0.15), outcomes);

        Assert.Equal((4, 2), (result.AnomalousCases, result.HealthyCases));
        Assert.Equal((1 + 0 + (60.0 / 99) + 1) / 4, result.Dice, 12);
        Assert.Equal(1, result.CasesWithoutPrediction);
        // Lesion scores 19, 0, 40, 60 against healthy 0 and 5: 2 + (½ + 0) + 2 + 2 wins of 8 pairs.
        Assert.Equal(6.5 / 8, result.ImageAuroc, 12);
        Assert.Equal(2.5, result.FalsePositivePixelsPerHealthySlice, 12);
        Assert.Equal(
            [("small (<20 px)", 1, 1.0), ("medium (20-60 px)", 2, Math.Round(30.0 / 99, 12)), ("large (>=60 px)", 1, 1.0)],
            result.DiceBySize.Select(b => (b.Bin, b.Cases, Math.Round(b.Dice, 12))));
        // The missed lesion has no boundary to measure; the two exact finds are 0 apart.
        double partly = HausdorffDistance.Percentile95(Mask(0, 59), Mask(29, 69), Side, Side);
        Assert.Equal(partly / 3, result.Hausdorff95, 12);
    }

    /// <summary>Pixels [from, to) of the row-major grid.</summary>
    private static bool[] Mask(int from, int to)
    {
        var mask = new bool[Side * Side];
        mask.AsSpan(from, to - from).Fill(true);
        return mask;
    }

    private static CaseOutcome Lesion(string id, (int From, int To) truth, (int From, int To) predicted) =>
        Outcome(new EvaluationCase(id, $"sub-{id[0]}_T1w.png", new float[Side * Side], Mask(truth.From, truth.To), null, TruthSource: "mask.png"), predicted);

    private static CaseOutcome Healthy(string id, (int From, int To) predicted) =>
        Outcome(new EvaluationCase(id, $"sub-{id[0]}_T1w.png", new float[Side * Side], new bool[Side * Side], null), predicted);

    private static CaseOutcome Outcome(EvaluationCase evaluationCase, (int From, int To) predicted)
    {
        var map = Mask(predicted.From, predicted.To).Select(p => p ? 0.5f : 0f).ToArray();
        var metrics = ImageMetrics.Compute(evaluationCase.Truth, map, evaluationCase.Input, evaluationCase.Input, Side, Side);
        return new CaseOutcome(evaluationCase, map, new float[Side * Side], evaluationCase.Input, map.Count(v => v != 0), 1, metrics);
    }
}
