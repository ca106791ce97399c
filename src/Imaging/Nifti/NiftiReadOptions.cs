namespace Synomaly.Imaging.Nifti;

/// <summary>Choices for reading NIfTI files.</summary>
public sealed record NiftiReadOptions
{
    public static NiftiReadOptions Default { get; } = new();

    /// <summary>Which 3-D volume of a 4-D (or higher) file to read; 0 (the first) by default. Stated in the provenance notes.</summary>
    public int VolumeIndex { get; init; }

    /// <summary>Checked before each chunk of voxels is read, so a long read stops when its caller does.</summary>
    public CancellationToken CancellationToken { get; init; }
}
