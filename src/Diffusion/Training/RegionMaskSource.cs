namespace Synomaly.Diffusion.Training;

/// <summary>
/// Where the region mask R of the training noise comes from (ALGORITHM.md 2.5, "Where R comes from"): Synomaly blobs are
/// forbidden where R is exactly −1. The released configs have no <c>apply_mask</c>, so the reference trains without one.
/// </summary>
public enum RegionMaskSource
{
    /// <summary>No region mask: blobs anywhere, as every released config (the default).</summary>
    None = 0,

    /// <summary>
    /// The reference's ultrasound mask: a disk about the image centre (<see cref="Noise.CentredDiskMask"/>), 1 inside and
    /// −1 outside, so blobs stay where the vessel is.
    /// </summary>
    CentredDisk,

    /// <summary>One mask per training image (the reference's LiTS liver masks), prepared like its image and flipped with it.</summary>
    PerImage,
}

/// <summary>The names <see cref="RegionMaskSource"/> goes by in checkpoints, model cards and messages.</summary>
public static class RegionMaskSources
{
    public static string Name(this RegionMaskSource source) => source switch
    {
        RegionMaskSource.None => "none",
        RegionMaskSource.CentredDisk => "centred-disk",
        RegionMaskSource.PerImage => "per-image",
        _ => throw new ArgumentOutOfRangeException(nameof(source), source, "Unknown region mask source."),
    };
}
