namespace Synomaly.GpuWorker.Scans;

/// <summary>
/// A decoded scan ready for the model: its slices at the model's size with values in [-1, 1]. The codec that made it
/// derives from this class to keep what it needs to map the outputs back into the source geometry.
/// </summary>
public abstract class PreparedScan
{
    public abstract IReadOnlyList<float[]> Slices { get; }
}
