using Synomaly.Contracts;

namespace Synomaly.Imaging;

/// <summary>
/// Limits checked before any allocation, so that hostile input (a decompression bomb, a header declaring a huge image)
/// fails fast with <see cref="ScanRejectionCode.LimitExceeded"/> instead of exhausting memory.
/// </summary>
public sealed record ScanReadLimits
{
    public static ScanReadLimits Default { get; } = new();

    /// <summary>Largest input file (compressed, as uploaded); intake's Intake__MaxScanBytes is capped at the same value.</summary>
    public long MaxFileBytes { get; init; } = ScanSizeLimit.MaxBytes;

    /// <summary>Largest decompressed payload (gzip, deflate, zip entries, decoded pixels).</summary>
    public long MaxDecompressedBytes { get; init; } = 4L * 1024 * 1024 * 1024;

    /// <summary>Largest width or height of one slice.</summary>
    public int MaxDimension { get; init; } = 8192;

    /// <summary>Largest number of voxels in one volume.</summary>
    public long MaxVoxels { get; init; } = 512L * 1024 * 1024;

    /// <summary>Largest number of slices or frames.</summary>
    public int MaxSlices { get; init; } = 4096;

    /// <summary>Largest number of files in a series or zip.</summary>
    public int MaxFiles { get; init; } = 10000;
}
