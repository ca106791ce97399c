using Synomaly.Diffusion.Metrics;

namespace Synomaly.Evaluation;

/// <summary>
/// What inference produced for one case and its metrics (overlap metrics only for anomalous cases);
/// <paramref name="NormativeFallback"/>: the normative threshold's head gate kept the single θ for it.
/// </summary>
public sealed record CaseOutcome(EvaluationCase Case, float[] Map, float[] Reconstruction, long Score, int StagesRun, ImageMetrics Metrics, bool NormativeFallback = false);
