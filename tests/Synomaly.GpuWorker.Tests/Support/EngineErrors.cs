using Synomaly.Diffusion.Inference;

namespace Synomaly.GpuWorker.Tests.Support;

/// <summary>The engine's typed errors as AnomalyDetector throws them, for stand-in models.</summary>
internal static class EngineErrors
{
    /// <summary>As AnomalyDetector.Detect refuses a batch of which <paramref name="slices"/> hold NaN or infinite pixels.</summary>
    public static NonFiniteInputException NonFiniteInput(IReadOnlyList<int> slices, int count) => new(slices, count, nameof(slices));
}
