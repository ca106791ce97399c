namespace Synomaly.GpuWorker.Inference;

/// <summary>
/// The engine's result for one model-size slice, copied to CPU memory (row-major, the model's height x width): the healthy
/// counterfactual in [-1, 1], the continuous anomaly map, the binary mask, the slice score, the stages it ran and whether
/// the profile's normative threshold fell back to the single θ because the slice did not match its template.
/// </summary>
public sealed record SliceOutput(float[] Counterfactual, float[] AnomalyMap, bool[] Mask, float Score, int Stages, bool NormativeFallback = false);
