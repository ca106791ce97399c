namespace Synomaly.Imaging.Outputs;

/// <summary>
/// What the detector gave for one model slice, as the renderer takes it: the anomaly map and its mask (model size, in the
/// preset's slice layout), the counterfactual (model intensities, [-1, 1]) and whether the head gate kept the single θ.
/// </summary>
public sealed record SliceMaps(float[] AnomalyMap, bool[] Mask, float[] Counterfactual, bool NormativeFallback = false);
