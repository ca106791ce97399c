namespace Synomaly.Imaging.Nifti;

/// <summary>
/// The fields of a NIfTI-1 or NIfTI-2 header that decoding and geometry need, widened to the NIfTI-2 types
/// (64-bit dims and offsets, double precision). Free-text fields (descrip, aux_file, intent_name) are deliberately not kept:
/// they can carry patient data and are never copied to outputs.
/// </summary>
public sealed record NiftiHeader
{
    /// <summary>1 (348-byte header) or 2 (540-byte header).</summary>
    public required int Version { get; init; }

    public bool BigEndian { get; init; }

    /// <summary>dim[0..7] as stored (dim[0] = number of dimensions).</summary>
    public required long[] Dim { get; init; }

    public required NiftiDataType DataType { get; init; }

    public int BitPix { get; init; }

    /// <summary>pixdim[0..7] as stored; pixdim[0] is qfac (-1 or 1).</summary>
    public required double[] PixDim { get; init; }

    public long VoxOffset { get; init; }

    public double SclSlope { get; init; }

    public double SclInter { get; init; }

    public double CalMin { get; init; }

    public double CalMax { get; init; }

    public int IntentCode { get; init; }

    public int QformCode { get; init; }

    public int SformCode { get; init; }

    public double QuaternB { get; init; }

    public double QuaternC { get; init; }

    public double QuaternD { get; init; }

    public double QOffsetX { get; init; }

    public double QOffsetY { get; init; }

    public double QOffsetZ { get; init; }

    /// <summary>srow_x, srow_y, srow_z: the three rows of the sform affine (4 values each).</summary>
    public required double[] SRowX { get; init; }

    public required double[] SRowY { get; init; }

    public required double[] SRowZ { get; init; }

    public int XyztUnits { get; init; }

    /// <summary>Whether the magic says the voxels follow the header in the same file ("n+1"/"n+2") rather than in a .img.</summary>
    public bool SingleFile { get; init; } = true;

    public int HeaderSize => Version == 2 ? NiftiHeaderCodec.Nifti2HeaderSize : NiftiHeaderCodec.Nifti1HeaderSize;

    /// <summary>
    /// dim[1..7] with the dim quirk resolved: entries beyond dim[0] count as 1. Entries within dim[0] are taken as stored;
    /// the reader rejects those below 1 (as nifti1_io does) before using them.
    /// </summary>
    public long EffectiveDim(int axis)
    {
        if (axis < 1 || axis > 7)
        {
            throw new ArgumentOutOfRangeException(nameof(axis));
        }

        return axis > Dim[0] ? 1 : Dim[axis];
    }

    /// <summary>
    /// How many 3-D volumes the file holds (the product of dims 4 to 7). NIfTI-2 dims are 64-bit, so the product can
    /// overflow: it throws <see cref="OverflowException"/> then rather than wrap to a wrong count.
    /// </summary>
    public long VolumeCount => checked(EffectiveDim(4) * EffectiveDim(5) * EffectiveDim(6) * EffectiveDim(7));
}
