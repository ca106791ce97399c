using Synomaly.Diffusion.Metrics;

namespace Synomaly.Evaluation;

/// <summary>
/// What inference produced for one case and its metrics (overlap metrics only for anomalous cases): the output
/// <paramref name="Map"/> (thresholded, small components removed) and the continuous <paramref name="Residual"/>
/// |blur(x0) − blur(x̂)| of the final reconstruction, which pixel-level ranking metrics use;
/// <paramref name="NormativeFallback"/>: the normative threshold's head gate kept the single θ for it.
/// </summary>
public sealed record CaseOutcome(EvaluationCase Case, float[] Map, float[] Residual, float[] Reconstruction, long Score, int StagesRun, ImageMetrics Metrics, bool NormativeFallback = false);
