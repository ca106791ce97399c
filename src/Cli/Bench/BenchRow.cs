namespace Synomaly.Cli.Bench;

/// <summary>
/// The measurements of one variant at one batch size. Rates count images through the UNet (forward only) or slices through
/// the whole detector (noise, UNet, x̂0, blur, threshold, component filter, fusion, stop rule, results on the host).
/// A skipped row has a <see cref="Status"/> other than "ok" that says why, and no numbers.
/// </summary>
public sealed record BenchRow
{
    public required string Precision { get; init; }

    public required string Attention { get; init; }

    public required string Layout { get; init; }

    public required int BatchSize { get; init; }

    public required string Status { get; init; }

    public Measurement? Forward { get; init; }

    public Measurement? SingleStage { get; init; }

    /// <summary>The adaptive process forced to its worst case: every slice runs the stage cap (5).</summary>
    public Measurement? AdaptiveWorstCase { get; init; }

    /// <summary>The adaptive process with the profile's own stop rule.</summary>
    public Measurement? AdaptiveNatural { get; init; }

    /// <summary>Mean stages per slice in the natural adaptive run.</summary>
    public double? AdaptiveNaturalMeanStages { get; init; }

    /// <summary>Device memory in use after the row (NVML; see <see cref="NvmlDevice"/>); null when not measurable (CPU, no NVML).</summary>
    public double? GpuMemoryMebibytes { get; init; }

    /// <summary>Against the reference figures (only for the published model on CUDA); null otherwise.</summary>
    public ReferenceComparison? Reference { get; init; }

    public bool Measured => Status == "ok";
}
