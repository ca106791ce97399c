using Synomaly.Imaging.Volumes;

namespace Synomaly.Imaging.Nifti;

/// <summary>
/// The geometry fields of a NIfTI header (pixdim, qform, sform, units, header version), carried from a source header to
/// the files written for it, so that anomaly maps and masks line up voxel for voxel with the input in any viewer.
/// </summary>
public sealed record NiftiGeometry
{
    public int Version { get; init; } = 1;

    public required double[] PixDim { get; init; }

    public int QformCode { get; init; }

    public int SformCode { get; init; }

    public double QuaternB { get; init; }

    public double QuaternC { get; init; }

    public double QuaternD { get; init; }

    public double QOffsetX { get; init; }

    public double QOffsetY { get; init; }

    public double QOffsetZ { get; init; }

    public required double[] SRowX { get; init; }

    public required double[] SRowY { get; init; }

    public required double[] SRowZ { get; init; }

    public int XyztUnits { get; init; }

    public static NiftiGeometry FromHeader(NiftiHeader h) => new()
    {
        Version = h.Version,
        PixDim = [h.PixDim[0], h.PixDim[1], h.PixDim[2], h.PixDim[3], 0, 0, 0, 0],
        QformCode = h.QformCode,
        SformCode = h.SformCode,
        QuaternB = h.QuaternB,
        QuaternC = h.QuaternC,
        QuaternD = h.QuaternD,
        QOffsetX = h.QOffsetX,
        QOffsetY = h.QOffsetY,
        QOffsetZ = h.QOffsetZ,
        SRowX = [.. h.SRowX],
        SRowY = [.. h.SRowY],
        SRowZ = [.. h.SRowZ],
        XyztUnits = h.XyztUnits,
    };

    /// <summary>
    /// The geometry to write results for <paramref name="volume"/>: the source NIfTI header's own fields when the volume was
    /// read from NIfTI, otherwise a scanner-space sform and qform built from the volume's RAS+ affine (DICOM, images).
    /// </summary>
    public static NiftiGeometry ForVolume(Volume volume)
    {
        if (volume.Provenance.NiftiHeader is { } raw)
        {
            return FromHeader(NiftiHeaderCodec.Parse(raw));
        }

        return FromAffine(volume.Geometry);
    }

    public static NiftiGeometry FromAffine(VolumeGeometry geometry)
    {
        var m = geometry.Affine;
        var q = NiftiAffine.ToQuaternion(m);
        const int ScannerAnat = 1, Millimetres = 2;
        return new NiftiGeometry
        {
            PixDim = [q.Qfac, geometry.SpacingX, geometry.SpacingY, geometry.SpacingZ, 0, 0, 0, 0],
            QformCode = ScannerAnat,
            SformCode = ScannerAnat,
            QuaternB = q.B,
            QuaternC = q.C,
            QuaternD = q.D,
            QOffsetX = m[3],
            QOffsetY = m[7],
            QOffsetZ = m[11],
            SRowX = [m[0], m[1], m[2], m[3]],
            SRowY = [m[4], m[5], m[6], m[7]],
            SRowZ = [m[8], m[9], m[10], m[11]],
            XyztUnits = Millimetres,
        };
    }
}
