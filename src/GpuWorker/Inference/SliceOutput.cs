namespace Synomaly.GpuWorker.Inference;

/// <summary>
/// The engine's result for one model-size slice, copied to CPU memory (row-major, the model's height x width): the healthy
/// counterfactual in [-1, 1], the continuous anomaly map, the binary mask, the slice score and the stages it ran.
/// </summary>
public sealed record SliceOutput(float[] Counterfactual, float[] AnomalyMap, bool[] Mask, float Score, int Stages);
