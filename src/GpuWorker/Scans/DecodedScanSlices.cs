namespace Synomaly.GpuWorker.Scans;

/// <summary>
/// What a codec hands the batcher: an uploaded scan decoded and cut into slices at the model's size, values in [-1, 1].
/// The codec that made it derives from this class to keep what it needs to map the outputs back into the source geometry.
/// </summary>
public abstract class DecodedScanSlices
{
    public abstract IReadOnlyList<float[]> Slices { get; }
}
