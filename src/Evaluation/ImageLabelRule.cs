namespace Synomaly.Evaluation;

/// <summary>
/// Which cases count as anomalous images for the image-level ranking (image AUROC, AUPRC and AP, their intervals and
/// curves). The reference labels an image anomalous when <c>np.sum(G_resized) &gt; 1</c> (ALGORITHM.md 5.2): more than one
/// truth pixel on the resized mask, so a slice whose truth is a single pixel is a healthy image there. That looks like an
/// off-by-one of "any truth", so both are offered; the reference's is the default, as for every ambiguity of ALGORITHM.md 6.
/// Dice and the other overlap metrics do not depend on it: the reference scores each image against its own truth, whatever
/// its label, so a one-pixel case stays a lesion case there.
/// </summary>
public enum ImageLabelRule
{
    /// <summary>Anomalous when more than one truth pixel is marked on the model grid (the reference's <c>&gt; 1</c>).</summary>
    Reference,

    /// <summary>Anomalous when any truth pixel is marked (every number published before 2026-12-07 was made with it; none had a one-pixel case).</summary>
    AnyTruth,
}

/// <summary>The image label of a case under a rule, and the rules' names on the command line and in the JSON.</summary>
public static class ImageLabels
{
    /// <summary>
    /// The reference counts more than one truth pixel; the other rule every lesion case, which is the label every result
    /// had before the rule was offered (a lesion case always marks a pixel: one that marks none is left out of its set).
    /// </summary>
    public static bool IsAnomalousImage(this ImageLabelRule rule, EvaluationCase evaluationCase)
    {
        ArgumentNullException.ThrowIfNull(evaluationCase);
        return rule switch
        {
            ImageLabelRule.Reference => evaluationCase.TruthArea > 1,
            ImageLabelRule.AnyTruth => evaluationCase.IsAnomalous,
            _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "Unknown image label rule."),
        };
    }

    /// <summary>"reference" or "any-truth", as --image-label takes it and evaluation.json records it.</summary>
    public static string Name(this ImageLabelRule rule) => rule switch
    {
        ImageLabelRule.Reference => "reference",
        ImageLabelRule.AnyTruth => "any-truth",
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "Unknown image label rule."),
    };

    /// <summary>What the rule counts, for the report's own text.</summary>
    public static string Description(this ImageLabelRule rule) => rule switch
    {
        ImageLabelRule.Reference => "reference (more than one truth pixel on the model grid, as ALGORITHM.md 5.2's np.sum(G_resized) > 1; a one-pixel lesion case counts as healthy for image AUROC, AUPRC and AP only)",
        ImageLabelRule.AnyTruth => "any-truth (any truth pixel on the model grid)",
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "Unknown image label rule."),
    };
}
