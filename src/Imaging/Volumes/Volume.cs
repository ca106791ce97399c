namespace Synomaly.Imaging.Volumes;

/// <summary>
/// A scan as the engine sees it: float voxels in x-fastest order (index = x + nx * (y + ny * z)), for one or more
/// frames/slices, with the geometry needed to write results back in the source space.
/// 2-D images are volumes with <see cref="Depth"/> = 1. Voxel values are in the modality's physical unit where one exists
/// (Hounsfield units for CT after rescale slope/intercept), otherwise the stored grey value.
/// </summary>
public sealed class Volume
{
    public Volume(float[] voxels, int width, int height, int depth, VolumeGeometry geometry, Modality modality, VolumeProvenance provenance)
    {
        ArgumentNullException.ThrowIfNull(voxels);
        if (width <= 0 || height <= 0 || depth <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"Volume dimensions must be positive, got {width}x{height}x{depth}.");
        }

        if ((long)width * height * depth != voxels.LongLength)
        {
            throw new ArgumentException($"Expected {(long)width * height * depth} voxels for {width}x{height}x{depth}, got {voxels.LongLength}.", nameof(voxels));
        }

        Voxels = voxels;
        Width = width;
        Height = height;
        Depth = depth;
        Geometry = geometry;
        Modality = modality;
        Provenance = provenance;
    }

    public float[] Voxels { get; }

    /// <summary>
    /// For a colour source (PNG, JPEG, RGB or full-range YCbCr DICOM): its blue samples, laid out as <see cref="Voxels"/>
    /// (which then hold BT.601 luminance); null for grey sources. Kept because the carotid-ultrasound reference reads frames as the first channel of
    /// cv2.imread, which is blue in OpenCV's BGR order (ALGORITHM.md 4.4), so that preset takes it instead of luminance.
    /// </summary>
    public float[]? BlueChannel
    {
        get;
        init
        {
            if (value is not null && value.LongLength != Voxels.LongLength)
            {
                throw new ArgumentException($"The blue channel holds {value.LongLength} values; the volume has {Voxels.LongLength} voxels.", nameof(value));
            }

            field = value;
        }
    }

    public int Width { get; }

    public int Height { get; }

    public int Depth { get; }

    public VolumeGeometry Geometry { get; }

    public Modality Modality { get; }

    public VolumeProvenance Provenance { get; }

    public int SliceLength => Width * Height;

    /// <summary>One slice (z index) as a view over the voxel array, row-major (y rows of x).</summary>
    public ReadOnlySpan<float> Slice(int z)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(z);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(z, Depth);
        return Voxels.AsSpan(z * SliceLength, SliceLength);
    }

    public float this[int x, int y, int z] => Voxels[x + (Width * (y + (Height * z)))];
}
